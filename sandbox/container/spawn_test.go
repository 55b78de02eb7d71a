package container_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/container/spawn"
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
	// The rest of the removal, its root filesystem's mount included,
	// follows once the caller has been told.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err := os.Stat(s.Dir(c.ID))
		mounts, _ := os.ReadFile("/proc/self/mountinfo")
		mounted := strings.Contains(string(mounts), s.Dir(c.ID))
		if os.IsNotExist(err) && !mounted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10 s after the --rm container's end: directory %v, rootfs mounted %v; want both gone", err, mounted)
		}
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

	c := started(t, s, shSpec(rootfs, "sleep 30"))
	// Its own monitor, started by Start, runs it.
	if m, err = s.SpawnMonitor(container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Start(context.Background(), c.ID, container.StartOptions{Monitor: m}); err != nil {
		t.Fatalf("Start of a running container = %v, want nil", err)
	}
	waitMonitors(t, root, 1)
}

// A monitor started with the process for a docker run command line
// (spawn.StartEarly), before the command line was parsed, runs the
// container as one started by SpawnMonitor: output, the -t size (sent with
// the id), exit code, the --rm record gone.
func TestEarlyMonitorRunsContainer(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	spawn.StartEarly([]string{"dockyard", "--root", s.Root(), "docker", "run", "-t", "busybox"})
	if pids := earlyMonitors(s.Root()); len(pids) != 1 {
		t.Fatalf("monitors of %s started early = %v, want one", s.Root(), pids)
	}
	m, err := s.SpawnMonitor(container.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pids := earlyMonitors(s.Root()); len(pids) != 1 {
		t.Errorf("monitors of %s after SpawnMonitor = %v, want the early one alone", s.Root(), pids)
	}
	spec := shSpec(rootfs, "stty size; exit 3")
	spec.Config.Tty = true
	spec.Host.AutoRemove = true
	c, err := s.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Remove(context.Background(), c.ID, true) })
	a, err := s.Start(context.Background(), c.ID, container.StartOptions{Attach: true, Monitor: m, TTYCols: 91, TTYRows: 17})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	var out bytes.Buffer
	code, err := a.Stream(nil, &out, nil)
	if err != nil || strings.TrimSpace(out.String()) != "17 91" || code != 3 {
		t.Errorf("Stream = %d, %v, output %q; want 3, nil, %q", code, err, out.String(), "17 91")
	}
	if _, err := s.Get(c.ID); !errors.Is(err, container.ErrNotFound) {
		t.Errorf("Get after the --rm container's stream ended = %v, want %v", err, container.ErrNotFound)
	}
}

// An early monitor is used only for the root it was started for (a
// --root after the verb is cobra's, not seen before the command line is
// parsed): SpawnMonitor starts one for its own root and lets the other go.
// An early monitor whose command never starts a container (a bad flag, a
// missing image) exits when its caller closes the socket.
func TestEarlyMonitorOfAnotherRootExits(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	s := openStore(t)
	other := t.TempDir()
	spawn.StartEarly([]string{"dockyard", "--root=" + other, "docker", "container", "run", "busybox"})
	if pids := earlyMonitors(other); len(pids) != 1 {
		t.Fatalf("monitors of %s started early = %v, want one", other, pids)
	}
	m, err := s.SpawnMonitor(container.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pids := earlyMonitors(s.Root()); len(pids) != 1 {
		t.Errorf("monitors of %s = %v, want the one SpawnMonitor started", s.Root(), pids)
	}
	m.Close()
	for deadline := time.Now().Add(10 * time.Second); len(earlyMonitors(other))+len(earlyMonitors(s.Root())) > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("monitors %v %v still wait 10 s after their caller let them go", earlyMonitors(other), earlyMonitors(s.Root()))
		}
	}
}

// earlyMonitors lists the pids of this process's monitors of root waiting
// for their container (`__monitor <root> -`).
func earlyMonitors(root string) []string {
	var pids []string
	for _, pid := range waitingMonitors(root) {
		if parentPid(pid) == os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids
}

// parentPid is the parent process of pid, from /proc/<pid>/stat ("pid
// (comm) state ppid ..."), or 0.
func parentPid(pid string) int {
	b, err := os.ReadFile(filepath.Join("/proc", pid, "stat"))
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
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

// Two starts at once start the container once, and the second is Docker's
// no-op: a `run -d` killed after its monitor took the container leaves the
// record saying created while that monitor starts it, and a `docker start`
// then must neither fail nor run a second process.
func TestStartBesideAnotherMonitor(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	c, err := s.Create(shSpec(rootfs, "sleep 30"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Remove(context.Background(), c.ID, true) })
	if _, err := s.Start(context.Background(), c.ID, container.StartOptions{}); err != nil {
		t.Fatalf("first Start: %v", err)
	}
	first, err := s.Get(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	// The window a killed run -d leaves: a live monitor, the record not yet
	// saying running.
	if _, err := s.Update(c.ID, func(c *container.Container) error { c.State.Status = container.Created; return nil }); err != nil {
		t.Fatal(err)
	}

	if _, err := s.Start(context.Background(), c.ID, container.StartOptions{}); err != nil {
		t.Errorf("a second Start beside the running monitor = %v, want Docker's no-op", err)
	}
	second, err := s.Get(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if second.State.MonitorPid != first.State.MonitorPid || second.State.Pid != first.State.Pid {
		t.Errorf("after the second Start: monitor %d pid %d, want the first's (%d, %d) and one process",
			second.State.MonitorPid, second.State.Pid, first.State.MonitorPid, first.State.Pid)
	}
}
