package monitor_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/monitor"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// An exited container being started again: its new monitor has claimed it
// (the record still says exited until the process runs) and is wiring its
// network. A reconcile at that moment, which every listing runs, must
// leave that network alone; it used to remove the namespace mid-start
// ("connect to network bridge: open netns ...: no such file or directory").
// A container whose monitor is gone loses its networking as before, and so
// does one still marked created (its monitor was killed mid-start), which
// could otherwise never start again ("already has networking").
func TestReconcileKeepsAContainerBeingStarted(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: makes network namespaces and a bridge")
	}
	ctx := context.Background()
	root := t.TempDir()
	cs, err := container.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := network.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ns.Teardown(context.Background()); err != nil {
			t.Errorf("Teardown: %v", err)
		}
	})
	lower := t.TempDir()
	withNetwork := func(name string, status container.Status, monitorPid int, monitorStart uint64) *container.Container {
		t.Helper()
		c, err := cs.Create(container.Spec{Name: name, LowerDirs: []string{lower}})
		if err != nil {
			t.Fatal(err)
		}
		c, err = cs.Update(c.ID, func(c *container.Container) error {
			c.State.Status = status
			c.State.MonitorPid, c.State.MonitorStart = monitorPid, monitorStart
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := ns.Configure(ctx, c.ID, network.Config{Name: name}); err != nil {
			t.Fatal(err)
		}
		if _, err := ns.Start(ctx, c.ID, name, filepath.Join(t.TempDir(), "resolv.conf"), filepath.Join(t.TempDir(), "hosts")); err != nil {
			t.Fatal(err)
		}
		return c
	}
	starting := withNetwork("starting", container.Exited, os.Getpid(), ownStartTime(t)) // this process plays its monitor
	dead := withNetwork("dead", container.Exited, 0, 0)
	cutShort := withNetwork("cut-short", container.Created, 0, 0)

	if err := monitor.ReconcileNetworks(ctx, root); err != nil {
		t.Fatalf("ReconcileNetworks: %v", err)
	}

	if _, err := os.Stat(filepath.Join(root, "networks", "netns", starting.ID)); err != nil {
		t.Errorf("the namespace of the container being started: %v, want it kept", err)
	}
	if _, ok := ns.ConfigOf(starting.ID); !ok {
		t.Errorf("the network config of the container being started was forgotten")
	}
	for _, c := range []*container.Container{dead, cutShort} {
		if _, err := os.Stat(filepath.Join(root, "networks", "netns", c.ID)); !os.IsNotExist(err) {
			t.Errorf("the namespace of %s (%s, no monitor): %v, want it removed", c.Name, c.State.Status, err)
		}
	}
}

// ownStartTime is this process's start time in clock ticks after boot
// (/proc/self/stat field 22), which with the pid names a live monitor.
func ownStartTime(t *testing.T) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	v, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
