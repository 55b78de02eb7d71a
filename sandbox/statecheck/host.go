package statecheck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/nftables"
	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/idindex"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// hostNetwork: every link named with the root's prefix is a bridge or veth
// the state knows, each network with endpoints has its bridge, and the
// nftables table exists exactly when there are bridges, with two rules for
// each (see network.syncNFT).
func (c *checker) hostNetwork(prefix string, known map[string]bool, leftover func(obj, what string)) {
	links, err := network.LinkList()
	if err != nil {
		c.add("host links", err.Error(), "run as root", nil)
		return
	}
	present := map[string]bool{}
	for _, l := range links {
		name := l.Attrs().Name
		present[name] = true
		if strings.HasPrefix(name, prefix) && !known[name] {
			leftover(fmt.Sprintf("%s %s", l.Type(), name), "no network or endpoint of this root owns it")
		}
	}
	// After a reboot bridges and the table come back with the first
	// container that needs them (network.Attach): only a network with
	// endpoints needs its bridge and the table now.
	bridges, wantRules, needed := 0, 0, false
	for _, n := range c.net.Networks {
		if n.Driver != "bridge" || n.Bridge == "" {
			continue
		}
		bridges++
		wantRules += 2
		hasEndpoints := false
		for _, ep := range c.net.Endpoints {
			if ep.Network == n.ID {
				hasEndpoints, needed = true, true
			}
		}
		if hasEndpoints && !present[n.Bridge] {
			leftover("network "+n.Name, "its bridge "+n.Bridge+" is missing")
		}
	}
	for _, ep := range c.net.Endpoints {
		// A container that restarts has its veth made anew at each start,
		// after its endpoint is recorded: only one that runs once counts.
		rec := c.records[ep.Container]
		if rec == nil || rec.State.Status != container.Running || (rec.Spec.Host.Restart.Name != "" && rec.Spec.Host.Restart.Name != "no") {
			continue
		}
		// One whose process has ended is being torn down by its live
		// monitor (the veth goes first, then the records): not a loss.
		if c.live[ep.Container] && processAlive(rec.State.Pid) && !present[ep.HostVeth] {
			leftover(fmt.Sprintf("endpoint %s of %s", ep.IP, containerName(ep.Container, c.records[ep.Container])), "its veth "+ep.HostVeth+" is missing")
		}
	}
	conn, err := nftables.New()
	if err != nil {
		return
	}
	table := "dockyard-" + prefix
	tables, err := conn.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return
	}
	var t *nftables.Table
	for _, x := range tables {
		if x.Name == table {
			t = x
		}
	}
	switch {
	case t == nil && needed:
		leftover("nftables table "+table, "missing: containers get no NAT or isolation")
	case t != nil && bridges == 0:
		leftover("nftables table "+table, "no network of this root needs it")
	case t != nil:
		got := 0
		chains, _ := conn.ListChainsOfTableFamily(nftables.TableFamilyIPv4)
		for _, ch := range chains {
			if ch.Table.Name != table {
				continue
			}
			if rules, err := conn.GetRules(t, ch); err == nil {
				got += len(rules)
			}
		}
		if got != wantRules {
			leftover("nftables table "+table, fmt.Sprintf("has %d rules, its %d bridge networks need %d", got, bridges, wantRules))
		}
	}
}

// mounts: under the root, only running containers' rootfs and their
// network namespaces' files are mount points.
func (c *checker) mounts(ctx context.Context) {
	infos, err := mountinfo.GetMounts(mountinfo.PrefixFilter(c.root))
	if err != nil {
		c.add("mounts", err.Error(), "run as root", nil)
		return
	}
	// A build or bake under way mounts its steps' root file systems in
	// the build cache; each holds a lock there while it runs.
	cache := filepath.Join(c.root, "build-cache")
	building := locked(filepath.Join(cache, "use.lock")) || locked(filepath.Join(cache, "bake.lock"))
	for _, m := range infos {
		p := m.Mountpoint
		if p == c.root {
			continue // the root on its own file system
		}
		if building && strings.HasPrefix(p, cache+string(filepath.Separator)) {
			continue
		}
		rel, _ := filepath.Rel(c.root, p)
		parts := strings.Split(rel, string(filepath.Separator))
		owned := false
		switch {
		case len(parts) == 3 && parts[0] == "containers" && parts[2] == "rootfs":
			owned = c.live[parts[1]]
		case len(parts) == 3 && parts[0] == "networks" && parts[1] == "netns":
			owned = c.net == nil || c.net.Sandboxes[parts[2]] != nil
		}
		if owned {
			continue
		}
		c.add("mount "+p, "nothing running uses it", "umount -l "+p, func(context.Context) error {
			if err := unix.Unmount(p, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT {
				return err
			}
			return nil
		})
	}
	for id := range c.live {
		if rec := c.records[id]; rec != nil && rec.State.Status == container.Running {
			if ok, _ := mountinfo.Mounted(c.cs.RootfsPath(id)); !ok {
				c.add(containerName(id, rec), "running but its root filesystem is not mounted", "docker restart "+idindex.Short(id), nil)
			}
		}
	}
}

// cgroups: a container that is not running has no cgroup left.
func (c *checker) cgroups(ctx context.Context) {
	for id := range c.dirs {
		if c.live[id] || c.removing[id] {
			continue
		}
		dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", "dockyard", id))
		dirs = append(dirs, filepath.Join("/sys/fs/cgroup", "dockyard", id))
		for _, d := range dirs {
			if _, err := os.Stat(d); err != nil {
				continue
			}
			c.add("cgroup "+d, "its container is not running", "rmdir "+d, func(context.Context) error {
				procs, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
				for _, f := range strings.Fields(string(procs)) {
					var pid int
					fmt.Sscan(f, &pid)
					if pid > 0 {
						unix.Kill(pid, unix.SIGKILL)
					}
				}
				var err error
				for range 100 {
					if err = unix.Rmdir(d); err == nil || err == unix.ENOENT {
						return nil
					}
					time.Sleep(20 * time.Millisecond)
				}
				return err
			})
		}
	}
}

// locked reports whether another process holds the flock on path.
func locked(path string) bool {
	if _, err := os.Stat(path); err != nil {
		return false
	}
	l := flock.New(path)
	ok, err := l.TryLock()
	if err != nil || !ok {
		return err == nil
	}
	l.Unlock()
	return false
}

// renameioTemp is the name of the temporary file of an atomic write:
// "." + the file's name + a random number (renameio, and os.CreateTemp in
// the container store's run-state writes).
var renameioTemp = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\..+[0-9]+$`) })

// tempFiles: no temporary file of an atomic write is left beside the state
// files, nor a partial blob or layer of a pull that nothing is running.
func (c *checker) tempFiles(ctx context.Context) {
	dirs := []string{c.root, filepath.Join(c.root, "networks"), filepath.Join(c.root, "networks", "configs"), filepath.Join(c.root, "networks", "leases"), c.is.Dir(), filepath.Join(c.root, "volumes")}
	for id := range c.dirs {
		dirs = append(dirs, c.cs.Dir(id))
	}
	if ents, err := os.ReadDir(filepath.Join(c.root, "volumes")); err == nil {
		for _, e := range ents {
			if e.IsDir() {
				dirs = append(dirs, filepath.Join(c.root, "volumes", e.Name()))
			}
		}
	}
	cutoff := time.Now().Add(-c.opts.TempAge)
	old := func(p string) bool {
		fi, err := os.Lstat(p)
		return err == nil && !fi.ModTime().After(cutoff)
	}
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			p := filepath.Join(d, e.Name())
			if e.Type().IsRegular() && renameioTemp().MatchString(e.Name()) && old(p) {
				c.add("file "+p, "a temporary file of an atomic write that was cut short", "rm "+p, func(context.Context) error {
					return os.Remove(p)
				})
			}
		}
	}
	// A pull or load holds the ingest lock while its temporary blobs and
	// layers exist; GC runs only when none does.
	var partial []string
	for _, pat := range []string{"blobs/sha256/.tmp-*", "layers/.tmp-*", "tmp/*"} {
		m, _ := filepath.Glob(filepath.Join(c.is.Dir(), pat))
		for _, p := range m {
			if old(p) {
				partial = append(partial, p)
			}
		}
	}
	if len(partial) > 0 && !c.is.Ingesting() {
		gc := func(ctx context.Context) error { _, err := c.is.GC(ctx); return err }
		for _, p := range partial {
			c.addShared("file "+p, "left by a pull, load or build that was cut short", "docker image prune", "image-gc", gc)
		}
	}
}

// processAlive reports whether pid names a live process.
func processAlive(pid int) bool {
	return pid > 0 && unix.Kill(pid, 0) == nil
}
