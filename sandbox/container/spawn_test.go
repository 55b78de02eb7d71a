package container_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/container"
)

// A monitor started before its container is created (docker run's order)
// runs it as one started after would: output, exit code, and with
// AutoRemove the record gone when the stream ends.
func TestSpawnedMonitorRunsContainer(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	m, err := s.SpawnMonitor(container.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := shSpec(rootfs, "echo hello; echo oops >&2; exit 3")
	spec.Host.AutoRemove = true
	c, err := s.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Remove(context.Background(), c.ID, true) })
	a, err := s.Start(context.Background(), c.ID, container.StartOptions{Attach: true, Monitor: m})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	var stdout, stderr bytes.Buffer
	code, err := a.Stream(nil, &stdout, &stderr)
	if err != nil || stdout.String() != "hello\n" || stderr.String() != "oops\n" || code != 3 {
		t.Errorf("Stream = %d, %v, stdout %q, stderr %q; want 3, nil, %q, %q", code, err, stdout.String(), stderr.String(), "hello\n", "oops\n")
	}
	if _, err := s.Get(c.ID); !errors.Is(err, container.ErrNotFound) {
		t.Errorf("Get after the --rm container's stream ended = %v, want %v", err, container.ErrNotFound)
	}
}

// A spawned monitor that is given no container (the create failed) exits,
// and one whose container is already running is not used.
func TestSpawnedMonitorExitsUnused(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	root := filepath.Dir(filepath.Dir(s.Dir("x")))
	m, err := s.SpawnMonitor(container.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pids := waitingMonitors(root); len(pids) != 1 {
		t.Fatalf("waiting monitors of %s = %v, want one", root, pids)
	}
	m.Close()
	waitMonitors(t, root, 0)

	c, err := s.Create(shSpec(rootfs, "sleep 30"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Remove(context.Background(), c.ID, true) })
	if _, err := s.Start(context.Background(), c.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	// Its own monitor, started by Start, runs it.
	if m, err = s.SpawnMonitor(container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(context.Background(), c.ID, container.StartOptions{Monitor: m}); err != nil {
		t.Fatalf("Start of a running container = %v, want nil", err)
	}
	waitMonitors(t, root, 1)
}

// waitingMonitors lists the pids of the monitors of root that were
// started waiting for their container (`__monitor <root> -`).
func waitingMonitors(root string) []string {
	var pids []string
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(args) == 4 && args[1] == "__monitor" && args[2] == root && args[3] == "-" {
			pids = append(pids, d.Name())
		}
	}
	return pids
}

func waitMonitors(t *testing.T, root string, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); len(waitingMonitors(root)) > n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("monitors %v, want %d: the others still wait 10 s after their caller let them go", waitingMonitors(root), n)
		}
	}
}

// BenchmarkRunTrue is `docker run --rm` of `true` at the store's level:
// create, start attached, stream until the exit, the record removed.
func BenchmarkRunTrue(b *testing.B) {
	rootfs := busyboxRootfs(b)
	s, err := container.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	spec := container.Spec{LowerDirs: []string{rootfs}, Config: container.Config{Cmd: []string{"true"}}}
	spec.Host.AutoRemove = true
	for b.Loop() {
		c, err := s.Create(spec)
		if err != nil {
			b.Fatal(err)
		}
		a, err := s.Start(context.Background(), c.ID, container.StartOptions{Attach: true})
		if err != nil {
			b.Fatal(err)
		}
		if code, err := a.Stream(nil, nil, nil); code != 0 || err != nil {
			b.Fatalf("Stream = %d, %v, want 0, nil", code, err)
		}
	}
}
