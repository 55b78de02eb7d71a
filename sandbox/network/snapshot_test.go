package network

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
)

// Readers load a snapshot of the state: while a writer holds the store's
// lock for a long operation, listing and inspecting networks, a
// container's networking and a Reconcile with nothing to repair (what
// `docker network ls` runs first) all answer at once.
func TestReadersDoNotWaitForWriters(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if _, err := s.Create(ctx, CreateOptions{Name: "app"}); err != nil {
		t.Fatal(err)
	}
	att := attach(t, s, "web", AttachRequest{Networks: []EndpointRequest{{Network: "app"}}})
	cid := att.Endpoints[0].Container

	unlock, err := s.lockState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	released := false
	release := func() {
		if !released {
			released = true
			unlock()
		}
	}
	defer release()

	alive := func(string) bool { return true }
	reads := []struct {
		name string
		read func() error
	}{
		{"List", func() error {
			list, err := s.List(ctx)
			if err == nil && len(list) != 4 {
				t.Errorf("List: %d networks, want 4 (bridge, host, none, app)", len(list))
			}
			return err
		}},
		{"Inspect", func() error {
			in, err := s.Inspect(ctx, "app")
			if err == nil && (len(in.Endpoints) != 1 || in.Endpoints[0].ContainerName != "web") {
				t.Errorf("Inspect(app): endpoints %+v, want web's", in.Endpoints)
			}
			return err
		}},
		{"Attachment", func() error { _, err := s.Attachment(cid); return err }},
		{"Reconcile", func() error { return s.Reconcile(ctx, alive) }},
	}
	for _, r := range reads {
		done := make(chan error, 1)
		start := time.Now()
		go func() { done <- r.read() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: %v", r.name, err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("%s took %v while the lock was held", r.name, d)
			}
		case <-time.After(3 * time.Second):
			t.Errorf("%s still waiting after 3s for the writer's lock", r.name)
			release()
			<-done
		}
	}
}

// Reconcile decides without the lock that there is nothing to do, but
// still restores what went missing: here the nftables table (flushed by
// hand, `nft flush ruleset`) and a bridge set down.
func TestReconcileRestoresTableAndBridge(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	n, err := s.Create(ctx, CreateOptions{Name: "app"})
	if err != nil {
		t.Fatal(err)
	}
	if !s.hasNFT() {
		t.Fatal("no nftables table after Create")
	}
	conn, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	conn.DelTable(&nftables.Table{Name: s.tableName(), Family: nftables.TableFamilyIPv4})
	if err := conn.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := setLinkDown(n.Bridge); err != nil {
		t.Fatal(err)
	}
	if err := s.Reconcile(ctx, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	if !s.hasNFT() {
		t.Error("Reconcile did not restore the nftables table")
	}
	if !linkUp(n.Bridge) {
		t.Errorf("Reconcile left bridge %s down", n.Bridge)
	}
}

func setLinkDown(name string) error {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return err
	}
	return netlink.LinkSetDown(l)
}

func linkUp(name string) bool {
	l, err := netlink.LinkByName(name)
	return err == nil && l.Attrs().Flags&net.FlagUp != 0
}

// A process killed while it wrote the state leaves a temporary file
// beside state.json, ipam.json or a container's config or lease. Readers ignore it; the next Reconcile (what
// `docker network ls` and `docker ps` run first) removes it under the
// store's lock, where no live writer can own one.
func TestReconcileRemovesACutShortWrite(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if _, err := s.Create(ctx, CreateOptions{Name: "app"}); err != nil {
		t.Fatal(err)
	}
	cid := randomID()
	lefts := []string{
		filepath.Join(s.dir, ".state.json1234567"),
		filepath.Join(s.dir, "."+ipamFile+"1234567"),
		filepath.Join(s.dir, configsDir, "."+cid+".json1234567"),
		filepath.Join(s.dir, leasesDir, "."+cid+".json1234567"),
	}
	for _, left := range lefts {
		if err := os.WriteFile(left, []byte(`{"Networks":`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := s.Configured(cid); ok || err != nil {
		t.Errorf("Configured() beside a cut-short config = %v, %v, want false, nil", ok, err)
	}
	if err := s.Reconcile(ctx, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	for _, left := range lefts {
		if _, err := os.Stat(left); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after Reconcile, %s: %v, want it removed", left, err)
		}
	}
	if _, err := s.Inspect(ctx, "app"); err != nil {
		t.Errorf("the state itself: %v", err)
	}
}
