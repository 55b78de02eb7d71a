package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Reconcile removes what a crash left behind: the networking of containers
// that alive says are gone (a killed monitor never detached), and every
// bridge, veth, netns file and resolver directory of this root that the
// state does not know. It then rewrites the nftables table. alive must
// report true for containers being created.
func (s *Store) Reconcile(ctx context.Context, alive func(containerID string) bool) error {
	// Kernel objects are listed before the state is read, so an object
	// another process creates meanwhile is already in the state we read.
	links, err := s.links()
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	nsFiles, _ := os.ReadDir(filepath.Join(s.dir, "netns"))
	ctrDirs, _ := os.ReadDir(filepath.Join(s.dir, "containers"))

	st, err := s.read()
	if err != nil {
		return err
	}
	var errs []error
	for cid := range st.Sandboxes {
		if !alive(cid) {
			errs = append(errs, s.Detach(ctx, cid))
		}
	}
	for _, ep := range st.Endpoints {
		if _, ok := st.Sandboxes[ep.Container]; !ok {
			errs = append(errs, s.Detach(ctx, ep.Container))
		}
	}
	// Most calls find nothing to do: decided on the snapshot, without the
	// lock, so `docker network ls` does not queue behind every container
	// being attached. What the snapshot shows as stray is checked again
	// under the lock against the state then current.
	if !s.hasCutShortWrites() && !s.needsRepair(st, links, nsFiles, ctrDirs) {
		return wrapReconcile(errors.Join(errs...))
	}
	err = s.update(ctx, func(st *state) error {
		known := map[string]bool{}
		for _, n := range st.Networks {
			known[n.Bridge] = true
		}
		for _, ep := range st.Endpoints {
			known[ep.HostVeth] = true
		}
		for name := range links {
			if !known[name] {
				errs = append(errs, deleteLink(name))
			}
		}
		for _, f := range nsFiles {
			if _, ok := st.Sandboxes[f.Name()]; !ok {
				errs = append(errs, removeNetNS(filepath.Join(s.dir, "netns", f.Name())))
			}
		}
		for _, d := range ctrDirs {
			if _, ok := st.Sandboxes[d.Name()]; !ok {
				errs = append(errs, os.RemoveAll(filepath.Join(s.dir, "containers", d.Name())))
			}
		}
		for _, n := range st.Networks {
			if n.Driver == DriverBridge {
				errs = append(errs, ensureBridge(n))
			}
		}
		return s.syncNFT(st)
	})
	errs = append(errs, err)
	return wrapReconcile(errors.Join(errs...))
}

// links names this root's links (those whose name has the store's
// prefix). It reads /sys/class/net: an rtnetlink dump (LinkList) waits
// for the kernel's RTNL lock, which network namespaces being created and
// destroyed hold for seconds when many containers start and stop, and is
// interrupted by every link change of another engine.
func (s *Store) links() (map[string]bool, error) {
	entries, err := os.ReadDir("/sys/class/net")
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), s.prefix) {
			out[e.Name()] = true
		}
	}
	return out, nil
}

// linkIsUp reports whether a link is administratively up, from sysfs as
// links.
func linkIsUp(name string) bool {
	b, err := os.ReadFile(filepath.Join("/sys/class/net", name, "flags"))
	if err != nil {
		return false
	}
	flags, err := strconv.ParseUint(strings.TrimSpace(string(b)), 0, 32)
	return err == nil && flags&uint64(net.FlagUp) != 0
}

func wrapReconcile(err error) error {
	if err != nil {
		return fmt.Errorf("reconcile networks: %w", err)
	}
	return nil
}

// needsRepair reports whether st, read after links, nsFiles and ctrDirs
// were listed, leaves Reconcile anything to remove or restore: a link,
// namespace file or resolver directory of this root that st does not
// know, a bridge missing or down, or the nftables table gone.
func (s *Store) needsRepair(st *state, links map[string]bool, nsFiles, ctrDirs []os.DirEntry) bool {
	known := map[string]bool{}
	for _, ep := range st.Endpoints {
		known[ep.HostVeth] = true
	}
	bridges := 0
	for _, n := range st.Networks {
		if n.Driver == DriverBridge {
			known[n.Bridge] = true
			bridges++
			if !links[n.Bridge] || !linkIsUp(n.Bridge) {
				return true
			}
		}
	}
	for name := range links {
		if !known[name] {
			return true
		}
	}
	for _, f := range nsFiles {
		if _, ok := st.Sandboxes[f.Name()]; !ok {
			return true
		}
	}
	for _, d := range ctrDirs {
		if _, ok := st.Sandboxes[d.Name()]; !ok {
			return true
		}
	}
	return bridges > 0 && !s.hasNFT()
}

// Teardown removes every kernel object of this root (veths, namespaces,
// bridges, the nftables table) and its network state, as for a reset or at
// the end of a test.
func (s *Store) Teardown(ctx context.Context) error {
	st, err := s.read()
	if err != nil {
		return err
	}
	var errs []error
	for cid := range st.Sandboxes {
		errs = append(errs, s.Detach(ctx, cid))
	}
	links, err := LinkList()
	errs = append(errs, err)
	for _, l := range links {
		if strings.HasPrefix(l.Attrs().Name, s.prefix) {
			errs = append(errs, deleteLink(l.Attrs().Name))
		}
	}
	errs = append(errs, s.deleteNFT())
	entries, _ := os.ReadDir(filepath.Join(s.dir, "netns"))
	for _, e := range entries {
		errs = append(errs, removeNetNS(filepath.Join(s.dir, "netns", e.Name())))
	}
	for _, p := range []string{s.statePath(), filepath.Join(s.dir, ipamFile)} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	for _, d := range []string{configsDir, leasesDir} {
		errs = append(errs, os.RemoveAll(filepath.Join(s.dir, d)))
	}
	os.Remove(filepath.Join(rootsDir, s.prefix))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("tear down networks: %w", err)
	}
	return nil
}
