package network

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// A container's start and end write only its own records: its config at
// create (fsynced), its lease at start and nothing but removals at its
// end; state.json, the networks' definitions, is left alone.
func TestContainerRecordsAreFilesOfTheirOwn(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if _, err := s.List(ctx); err != nil {
		t.Fatal(err)
	}
	defs := statInode(t, s.statePath())
	cid := randomID()
	if err := s.Configure(ctx, cid, Config{Name: "web", Ports: []PortBinding{{HostIP: netip.IPv4Unspecified(), ContainerPort: 80, Proto: "tcp"}}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := s.Start(ctx, cid, "web", filepath.Join(dir, "resolv.conf"), filepath.Join(dir, "hosts")); err != nil {
		t.Fatal(err)
	}
	if got := statInode(t, s.statePath()); got != defs {
		t.Errorf("state.json was rewritten by Configure and Start (inode %d, was %d)", got, defs)
	}
	b, err := os.ReadFile(s.statePath())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"configs"`, `"endpoints"`, `"sandboxes"`, cid} {
		if strings.Contains(string(b), key) {
			t.Errorf("state.json holds %s:\n%s", key, b)
		}
	}
	var cfg Config
	readJSON(t, filepath.Join(s.dir, configPath(cid)), &cfg)
	if cfg.Name != "web" || len(cfg.Networks) != 1 || cfg.Networks[0].Network != DefaultBridge {
		t.Errorf("configs/%s.json = %+v, want web on bridge", ShortID(cid), cfg)
	}
	var l lease
	readJSON(t, filepath.Join(s.dir, leasePath(cid)), &l)
	if l.Sandbox == nil || l.Sandbox.Container != cid || len(l.Endpoints) != 1 || !l.Endpoints[0].IP.IsValid() {
		t.Errorf("leases/%s.json = %+v, want its sandbox and one endpoint with an address", ShortID(cid), l)
	}
	att, err := s.Attachment(cid)
	if err != nil || len(att.Endpoints) != 1 || att.Endpoints[0].NetworkName != DefaultBridge || att.Endpoints[0].IP != l.Endpoints[0].IP {
		t.Errorf("Attachment() = %+v, %v, want the lease's endpoint on bridge", att, err)
	}

	deleteLinks, err := s.ForgetLater(ctx, cid)
	if err != nil {
		t.Fatal(err)
	}
	if err := deleteLinks(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{configPath(cid), leasePath(cid)} {
		if _, err := os.Stat(filepath.Join(s.dir, p)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after ForgetLater, %s: %v, want it removed", p, err)
		}
	}
	if got := statInode(t, s.statePath()); got != defs {
		t.Errorf("state.json was rewritten by ForgetLater")
	}
}

// Only what must survive a host crash is fsynced: the networks and the
// configs. Leases and the address cursors are stale after a crash anyway.
func TestOnlyDurableRecordsAreSynced(t *testing.T) {
	st := newState()
	n := &Network{ID: "n1", Name: "app", Driver: DriverBridge}
	n.NextIP = netip.MustParseAddr("172.18.0.3")
	st.Networks[n.ID] = n
	st.Configs["c1"] = &Config{Name: "web"}
	st.Sandboxes["c1"] = &Sandbox{Container: "c1", Name: "web"}
	st.Endpoints["e1"] = &Endpoint{ID: "e1", Network: "n1", Container: "c1"}
	fs, err := encode(st)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"state.json": true, configPath("c1"): true, leasePath("c1"): false, ipamFile: false}
	if len(fs) != len(want) {
		t.Errorf("encode wrote %d files, want %d", len(fs), len(want))
	}
	for p, sync := range want {
		r, ok := fs[p]
		if !ok {
			t.Errorf("encode wrote no %s", p)
			continue
		}
		if r.sync != sync {
			t.Errorf("%s synced = %v, want %v", p, r.sync, sync)
		}
	}
	if strings.Contains(string(fs["state.json"].data), "next_ip") {
		t.Errorf("state.json holds the address cursor (rewritten at every start):\n%s", fs["state.json"].data)
	}
}

// A root whose state.json has the earlier format (every container's
// config, endpoints and sandbox in it) reads as before, and the first
// update moves those into their own files.
func TestReadsAndMovesTheEarlierFormat(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if _, err := s.Create(ctx, CreateOptions{Name: "app"}); err != nil {
		t.Fatal(err)
	}
	cid := randomID()
	if err := s.Configure(ctx, cid, Config{Name: "web", Networks: []EndpointRequest{{Network: "app", Aliases: []string{"www"}}}}); err != nil {
		t.Fatal(err)
	}
	att := attach(t, s, "db", AttachRequest{Networks: []EndpointRequest{{Network: "app"}}})
	db := att.Endpoints[0].Container
	st, err := s.read()
	if err != nil {
		t.Fatal(err)
	}
	// Written back as the earlier version wrote it: one file.
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.statePath(), b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{configsDir, leasesDir} {
		if err := os.RemoveAll(filepath.Join(s.dir, d)); err != nil {
			t.Fatal(err)
		}
	}
	os.Remove(filepath.Join(s.dir, ipamFile))

	check := func(when string) {
		t.Helper()
		if cfg, ok := s.ConfigOf(cid); !ok || cfg.Name != "web" || cfg.Networks[0].Aliases[0] != "www" {
			t.Errorf("%s: ConfigOf(web) = %+v, %v, want web on app as www", when, cfg, ok)
		}
		got, err := s.Attachment(db)
		if err != nil || len(got.Endpoints) != 1 || got.Endpoints[0].IP != att.Endpoints[0].IP {
			t.Errorf("%s: Attachment(db) = %+v, %v, want %s", when, got, err, att.Endpoints[0].IP)
		}
		in, err := s.Inspect(ctx, "app")
		if err != nil || !slices.ContainsFunc(in.Endpoints, func(ep Endpoint) bool { return ep.ContainerName == "db" }) {
			t.Errorf("%s: Inspect(app) endpoints = %+v, %v, want db's among them", when, in.Endpoints, err)
		}
	}
	check("earlier format")

	// A crash half-way through the move leaves a record in both places:
	// read as one.
	half := filepath.Join(s.dir, configPath(cid))
	if err := os.MkdirAll(filepath.Dir(half), 0o711); err != nil {
		t.Fatal(err)
	}
	cb, _ := json.Marshal(st.Configs[cid])
	if err := os.WriteFile(half, cb, 0o600); err != nil {
		t.Fatal(err)
	}
	check("moved half-way")

	// Any update moves them (here another container's start).
	other := attach(t, s, "cache", AttachRequest{Networks: []EndpointRequest{{Network: "app"}}})
	if other.Endpoints[0].IP == att.Endpoints[0].IP {
		t.Errorf("cache got db's address %s", other.Endpoints[0].IP)
	}
	b, _ = os.ReadFile(s.statePath())
	for _, key := range []string{`"configs"`, `"endpoints"`, `"sandboxes"`} {
		if strings.Contains(string(b), key) {
			t.Errorf("after an update, state.json still holds %s", key)
		}
	}
	for _, p := range []string{configPath(cid), leasePath(db)} {
		if _, err := os.Stat(filepath.Join(s.dir, p)); err != nil {
			t.Errorf("after an update: %v", err)
		}
	}
	check("moved")
	if err := s.Detach(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := s.Detach(ctx, other.Endpoints[0].Container); err != nil {
		t.Fatal(err)
	}
}

// Leases are written without fsync, so a host crash can leave one cut
// short (empty, on some file systems). It belonged to a container the
// crash ended: read as absent, removed by the next update.
func TestALeaseCutShortByACrashIsGone(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if _, err := s.List(ctx); err != nil {
		t.Fatal(err)
	}
	cid := randomID()
	path := filepath.Join(s.dir, leasePath(cid))
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.dir, ipamFile), []byte(`{"x":`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Attachment(cid); !errors.Is(err, ErrNoSandbox) {
		t.Errorf("Attachment() of a cut-short lease: %v, want ErrNoSandbox", err)
	}
	if _, err := s.List(ctx); err != nil {
		t.Errorf("List() beside a cut-short lease: %v", err)
	}
	att := attach(t, s, "web", AttachRequest{})
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after an update, the cut-short lease: %v, want it removed", err)
	}
	if err := s.Detach(ctx, att.Endpoints[0].Container); err != nil {
		t.Fatal(err)
	}
}

// A config is fsynced, so one that does not read was damaged by hand or
// by the disk: one line names it and the way out.
func TestDamagedConfig(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	cid := randomID()
	if err := s.Configure(ctx, cid, Config{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.dir, configPath(cid))
	if err := os.WriteFile(path, []byte(`{"name":`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Configured(cid)
	want := "network config " + path + " is damaged (unexpected end of JSON input); move it away, then remove its container and create it again: mv " + path + " " + path + ".damaged"
	var d *DamagedStateError
	if !errors.As(err, &d) || err.Error() != want {
		t.Fatalf("Configured() error = %v, want %q", err, want)
	}
	if err := os.Rename(path, path+".damaged"); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Configured(cid); ok || err != nil {
		t.Errorf("Configured() after moving it away = %v, %v, want false, nil", ok, err)
	}
	if _, err := s.List(ctx); err != nil {
		t.Errorf("List() after moving it away: %v", err)
	}
}

func statInode(t *testing.T, path string) uint64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Sys().(*syscall.Stat_t).Ino
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// Prepare leaves the namespace to its Setup, so that the monitor builds
// the runtime's configuration meanwhile: the namespace's file is there
// (the configuration names it), Made makes the namespace, once even when
// Run does it too, and Run connects its interfaces.
func TestPrepareLeavesTheNamespaceToSetup(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	cid := randomID()
	if err := s.Configure(ctx, cid, Config{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	att, setup, err := s.Prepare(ctx, cid, "web", filepath.Join(dir, "resolv.conf"), filepath.Join(dir, "hosts"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Detach(ctx, cid)
	if isNetNS(t, att.NetNS) {
		t.Fatalf("%s is a namespace before the Setup ran", att.NetNS)
	}
	errs := make(chan error, 2)
	go func() { errs <- setup.Made() }()
	go func() { errs <- setup.Run(ctx) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if !isNetNS(t, att.NetNS) {
		t.Fatalf("%s is not a namespace after Made and Run", att.NetNS)
	}
	err = InNetNS(att.NetNS, func() error {
		_, err := netlink.LinkByName("eth0")
		return err
	})
	if err != nil {
		t.Errorf("eth0 in the namespace after Run: %v", err)
	}
}

func isNetNS(t *testing.T, path string) bool {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		t.Fatalf("statfs %s: %v", path, err)
	}
	return st.Type == unix.NSFS_MAGIC
}
