package statecheck

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/idindex"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/monitor"
	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

type checker struct {
	root     string
	opts     Options
	problems []Problem

	is *image.Store
	cs *container.Store
	// records are the readable container records by id, read as they are
	// on disk (Get and List would correct a dead monitor's record).
	records map[string]*container.Container
	// dirs are every container directory, with a record or not.
	dirs map[string]bool
	// live are the containers whose monitor runs.
	live map[string]bool
	// removing are the directories without a record that are being
	// created or removed now (changed within Options.TempAge): a --rm
	// container's monitor removes its cgroups and directory just after
	// its record.
	removing map[string]bool
	// net is the network state (nil when it cannot be read).
	net *network.Records
}

func (c *checker) load() error {
	if _, err := os.Stat(c.root); err != nil {
		return fmt.Errorf("state root: %w", err)
	}
	var err error
	if c.is, err = image.Open(c.root); err != nil {
		return err
	}
	if c.cs, err = container.Open(c.root); err != nil {
		return err
	}
	c.records, c.dirs, c.live, c.removing = map[string]*container.Container{}, map[string]bool{}, map[string]bool{}, map[string]bool{}
	entries, err := os.ReadDir(filepath.Join(c.root, "containers"))
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() || len(e.Name()) != 64 {
			continue
		}
		id := e.Name()
		c.dirs[id] = true
		b, err := os.ReadFile(filepath.Join(c.cs.Dir(id), "container.json"))
		if err != nil {
			continue
		}
		var rec container.Container
		if json.Unmarshal(b, &rec) == nil && rec.ID == id {
			c.records[id] = &rec
			if rec.MonitorAlive() {
				c.live[id] = true
			}
		}
	}
	return nil
}

func containerName(id string, rec *container.Container) string {
	if rec != nil && rec.Name != "" {
		return fmt.Sprintf("container %s (%s)", idindex.Short(id), rec.Name)
	}
	return "container " + idindex.Short(id)
}

// images: every listed image's manifest, config and layers are there, the
// config's digest is its id, and each layer blob has its manifest size.
func (c *checker) images(ctx context.Context) {
	for _, d := range c.is.Damaged(ctx) {
		ref := idindex.Short(d.ID)
		if len(d.Names) > 0 {
			ref = d.Names[0]
		}
		c.add("image "+ref, "its "+d.What+" cannot be read", "docker rmi -f "+ref+", then pull or load it again", nil)
	}
	imgs, err := c.is.List(ctx)
	if err != nil {
		c.add("image store", err.Error(), "move the file it names away", nil)
		return
	}
	blob := func(digest string) string {
		return filepath.Join(c.is.Dir(), "blobs", "sha256", strings.TrimPrefix(digest, "sha256:"))
	}
	for _, img := range imgs {
		name := idindex.Short(img.ID)
		if len(img.RepoTags) > 0 {
			name = img.RepoTags[0]
		}
		obj := "image " + name
		fix := "docker rmi -f " + name + ", then pull or load it again"
		if b, err := os.ReadFile(blob(img.ID)); err == nil {
			if sum := sha256.Sum256(b); "sha256:"+hex.EncodeToString(sum[:]) != img.ID {
				c.add(obj, "its config blob does not match its digest", fix, nil)
			}
		}
		diffIDs := img.Config.RootFS.DiffIDs
		if len(diffIDs) != len(img.Manifest.Layers) {
			c.add(obj, fmt.Sprintf("its config lists %d layers and its manifest %d", len(diffIDs), len(img.Manifest.Layers)), fix, nil)
			continue
		}
		for i, l := range img.Manifest.Layers {
			fi, berr := os.Stat(blob(l.Digest.String()))
			_, derr := os.Stat(filepath.Join(c.is.Dir(), "layers", diffIDs[i].Hex))
			switch {
			case berr != nil && derr != nil:
				c.add(obj, fmt.Sprintf("layer %d (%s) is neither stored nor unpacked", i+1, idindex.Short(l.Digest.String())), fix, nil)
			case berr == nil && fi.Size() != l.Size:
				c.add(obj, fmt.Sprintf("layer %d blob has %d bytes, its manifest says %d", i+1, fi.Size(), l.Size), fix, nil)
			}
		}
	}
}

// containers: records parse, names are unique, a running record has a live
// monitor, lower layers exist, and every directory has a record.
func (c *checker) containers(ctx context.Context) {
	names := map[string]string{}
	for id := range c.dirs {
		rec := c.records[id]
		obj := containerName(id, rec)
		short := idindex.Short(id)
		if rec == nil {
			if _, err := os.Stat(filepath.Join(c.cs.Dir(id), "container.json")); errors.Is(err, fs.ErrNotExist) {
				if fi, err := os.Stat(c.cs.Dir(id)); err != nil || fi.ModTime().After(time.Now().Add(-c.opts.TempAge)) || c.cs.BeingRemoved(id) {
					c.removing[id] = true
					continue // being created or removed now
				}
				c.add(obj, "its directory has no record (a create or remove was cut short)", "", func(context.Context) error {
					return c.cs.RemoveLeftover(id)
				})
				continue
			}
			c.add(obj, "its record cannot be read", "docker rm -f "+short, nil)
			continue
		}
		if other, ok := names[rec.Name]; ok {
			c.add(obj, fmt.Sprintf("its name %q is also container %s's", rec.Name, idindex.Short(other)), "docker rename "+short+" NEW-NAME", nil)
		}
		names[rec.Name] = id
		switch st := rec.State.Status; {
		case (st == container.Running || st == container.Restarting) && !c.live[id]:
			c.add(obj, "recorded as "+string(st)+" but its monitor is gone", "", func(context.Context) error {
				_, err := c.cs.Get(id) // marks it exited and cleans up, as ps does
				return err
			})
		case rec.State.MonitorPid != 0 && !c.live[id]:
			c.add(obj, "its record names a monitor process that is gone", "", func(context.Context) error {
				_, err := c.cs.Get(id)
				return err
			})
		}
		for _, d := range rec.Spec.LowerDirs {
			if _, err := os.Stat(d); err != nil {
				c.add(obj, "an image layer it runs on is gone: "+d, "docker rm "+short, nil)
				break
			}
		}
		if rec.Spec.ImageID != "" {
			if _, err := c.is.Get(ctx, rec.Spec.ImageID); errors.Is(err, image.ErrNotFound) {
				// Docker lets rmi -f untag an image in use; the layers stay
				// only while the image's record does.
				c.add(obj, "its image "+idindex.Short(rec.Spec.ImageID)+" is not in the image store", "docker rm "+short, nil)
			}
		}
	}
}

// networks: the state reads, endpoints and sandboxes belong to running
// containers, addresses are in their subnet and unique, and the kernel
// objects named with this root's prefix are those the state knows.
func (c *checker) networks(ctx context.Context) {
	st, err := network.ReadRecords(c.root)
	var damaged *network.DamagedStateError
	switch {
	case errors.As(err, &damaged):
		c.add("network state "+damaged.Path, "cannot be read: "+damaged.Err.Error(), "mv "+damaged.Path+" "+damaged.Path+".damaged", nil)
		return
	case err != nil:
		c.add("network state "+filepath.Join(c.root, "networks"), err.Error(), "check the state root's permissions", nil)
		return
	}
	c.net = st
	reconcile := func(ctx context.Context) error { return monitor.ReconcileNetworks(ctx, c.root) }
	leftover := func(obj, what string) { c.addShared(obj, what, "", "networks", reconcile) }
	for cid, sb := range st.Sandboxes {
		rec := c.records[cid]
		switch {
		case rec == nil:
			leftover("network sandbox of "+containerName(cid, nil), "the container is gone")
		case !c.live[cid]:
			leftover("network sandbox of "+containerName(cid, rec), "the container is not running")
		case sb.NetNS != "":
			if _, err := os.Stat(sb.NetNS); err != nil {
				leftover("network sandbox of "+containerName(cid, rec), "its namespace file is gone")
			}
		}
	}
	for cid := range st.Configs {
		if !c.dirs[cid] {
			leftover("network config of "+containerName(cid, nil), "the container is gone")
		}
	}
	used := map[string]map[netip.Addr]string{}
	known := map[string]bool{}
	for _, n := range st.Networks {
		if n.Bridge != "" {
			known[n.Bridge] = true
		}
	}
	for _, ep := range st.Endpoints {
		known[ep.HostVeth] = true
		obj := fmt.Sprintf("endpoint %s of %s", ep.IP, containerName(ep.Container, c.records[ep.Container]))
		n := st.Networks[ep.Network]
		if n == nil {
			leftover(obj, "its network is gone")
			continue
		}
		if _, ok := st.Sandboxes[ep.Container]; !ok {
			leftover(obj, "the container has no network sandbox")
		}
		if n.Subnet.IsValid() && (!n.Subnet.Contains(ep.IP) || ep.IP == n.Gateway) {
			c.add(obj, fmt.Sprintf("its address is not a host address of %s's subnet %s", n.Name, n.Subnet), "docker network disconnect -f "+n.Name+" "+idindex.Short(ep.Container), nil)
		}
		if used[n.ID] == nil {
			used[n.ID] = map[netip.Addr]string{}
		}
		if other, dup := used[n.ID][ep.IP]; dup {
			c.add(obj, fmt.Sprintf("address %s on %s is also %s's", ep.IP, n.Name, containerName(other, c.records[other])), "docker network disconnect -f "+n.Name+" "+idindex.Short(ep.Container), nil)
		}
		used[n.ID][ep.IP] = ep.Container
	}
	prefix := network.Prefix(c.root)
	c.hostNetwork(prefix, known, leftover)
	if ents, err := os.ReadDir(filepath.Join(c.root, "networks", "netns")); err == nil {
		for _, e := range ents {
			if _, ok := st.Sandboxes[e.Name()]; !ok {
				leftover("network namespace "+filepath.Join(c.root, "networks", "netns", e.Name()), "no container's sandbox uses it")
			}
		}
	}
}

// volumes: records read, each has its data, names no removed container,
// and every directory has a record.
func (c *checker) volumes(ctx context.Context) {
	vs, err := volume.Open(c.root)
	if err != nil {
		c.add("volume store", err.Error(), "check the state root's permissions", nil)
		return
	}
	for _, d := range vs.Damaged(ctx) {
		c.add("volume "+d.Name, d.Error(), "docker volume rm -f "+d.Name, nil)
	}
	list, err := vs.List(ctx)
	if err != nil {
		c.add("volume store", err.Error(), "check the state root's permissions", nil)
		return
	}
	release := func(ctx context.Context) error {
		return vs.ReleaseGone(ctx, func(cid string) bool { return c.dirs[cid] })
	}
	have := map[string]bool{}
	for _, v := range list {
		have[v.Name] = true
		for _, u := range v.Users {
			if !c.dirs[u] {
				c.addShared("volume "+v.Name, "names removed "+containerName(u, nil)+" as a user", "", "volumes", release)
			}
		}
	}
	for _, d := range vs.Damaged(ctx) {
		have[d.Name] = true
	}
	ents, _ := os.ReadDir(filepath.Join(c.root, "volumes"))
	for _, e := range ents {
		if !e.IsDir() || have[e.Name()] || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := filepath.Join(c.root, "volumes", e.Name())
		fi, err := e.Info()
		if err != nil || fi.ModTime().After(time.Now().Add(-c.opts.TempAge)) {
			continue // maybe a create under way
		}
		if _, err := os.Stat(filepath.Join(dir, "volume.json")); errors.Is(err, fs.ErrNotExist) {
			c.add("volume "+e.Name(), "its directory has no record (a create or remove was cut short)", "", func(context.Context) error {
				return os.RemoveAll(dir)
			})
		}
	}
}
