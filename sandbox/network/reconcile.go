package network

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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
	links, err := LinkList()
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
	err = s.update(ctx, func(st *state) error {
		known := map[string]bool{}
		for _, n := range st.Networks {
			known[n.Bridge] = true
		}
		for _, ep := range st.Endpoints {
			known[ep.HostVeth] = true
		}
		for _, l := range links {
			name := l.Attrs().Name
			if strings.HasPrefix(name, s.prefix) && !known[name] {
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
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("reconcile networks: %w", err)
	}
	return nil
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
	if err := os.Remove(s.statePath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	os.Remove(filepath.Join(rootsDir, s.prefix))
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("tear down networks: %w", err)
	}
	return nil
}
