package container_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/container"
)

// TestTTY runs a shell on a terminal: input is echoed, the window size
// reaches the container, Ctrl-D ends the shell.
func TestTTY(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	spec := shSpec(rootfs, "")
	spec.Config.Cmd = []string{"sh"}
	spec.Config.Tty, spec.Config.OpenStdin = true, true
	c, err := s.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Remove(context.Background(), c.ID, true) })
	a, err := s.Start(context.Background(), c.ID, container.StartOptions{Attach: true, TTYCols: 100, TTYRows: 40})
	if err != nil {
		t.Fatal(err)
	}
	in := &slowReader{lines: []string{"stty size\n", "echo tty-$((6*7))\n", "\x04"}}
	var out bytes.Buffer
	code, err := a.Stream(in, &out, nil)
	if err != nil || code != 0 {
		t.Fatalf("Stream = %d, %v; output %q", code, err, out.String())
	}
	for _, want := range []string{"40 100", "tty-42"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("terminal output %q lacks %q", out.String(), want)
		}
	}
}

// slowReader hands out one line per read, a little apart, as a typist.
type slowReader struct{ lines []string }

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.lines) == 0 {
		select {} // a terminal stays open; the shell's exit ends the session
	}
	time.Sleep(100 * time.Millisecond)
	n := copy(p, r.lines[0])
	r.lines = r.lines[1:]
	return n, nil
}

func TestExec(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	c := started(t, s, shSpec(rootfs, "sleep 1000"))
	var out bytes.Buffer
	code, err := s.Exec(context.Background(), c.Name, container.ExecOptions{
		Cmd: []string{"sh", "-c", "echo $X $(id -u); ps -o comm | grep -c sleep; exit 5"}, Env: []string{"X=in"},
		User: "nobody", Stdout: &out, Stderr: &out,
	})
	if err != nil || code != 5 || out.String() != "in 65534\n1\n" {
		t.Errorf("Exec = %d, %v, %q; want 5, nil, %q", code, err, out.String(), "in 65534\n1\n")
	}
	if _, err := s.Exec(context.Background(), c.ID, container.ExecOptions{Cmd: []string{"nosuch"}}); err == nil || !strings.Contains(err.Error(), "executable file not found") {
		t.Errorf("Exec(nosuch) = %v, want executable file not found", err)
	}
}

// TestMonitorDeath: when a container's monitor is killed, the next look at
// the container kills what is left of it, cleans up, and its record says so.
func TestMonitorDeath(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	c := started(t, s, shSpec(rootfs, "sleep 1000"))
	running, err := s.Get(c.ID)
	if err != nil || running.State.Status != container.Running || running.State.MonitorPid == 0 {
		t.Fatalf("Get = %+v, %v; want running with a monitor", running, err)
	}
	if err := syscall.Kill(running.State.MonitorPid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, running.State.MonitorPid)
	got, err := s.Get(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State.Status != container.Exited || got.State.ExitCode != 255 || !strings.Contains(got.State.Error, "monitor process died") {
		t.Errorf("after the monitor died: %+v, want exited (255) with the reason", got.State)
	}
	waitGone(t, running.State.Pid) // killed once the death is noticed
	// Nothing of the dead run is left in the host's cgroups.
	if dirs, _ := filepath.Glob("/sys/fs/cgroup/*/dockyard/" + c.ID); len(dirs) > 0 {
		t.Errorf("cgroups left after the monitor died: %v", dirs)
	}
	// It can be started again.
	if _, err := s.Start(context.Background(), c.ID, container.StartOptions{}); err != nil {
		t.Fatalf("Start after monitor death: %v", err)
	}
}

// TestRemovedRecordLeftByAKilledMonitor: a --rm container's monitor
// removes the record before it tells its caller, and the container's
// runtime state, cgroups and directory after. A monitor killed between the
// two leaves a directory without a record whose cgroups are still there
// (here: the record removed by hand under a live container whose monitor
// is then killed, the state that window leaves, and more: its process
// still runs). The next listing removes all of it.
func TestRemovedRecordLeftByAKilledMonitor(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	spec := shSpec(rootfs, "sleep 1000")
	spec.Host.AutoRemove = true
	c := started(t, s, spec)
	running, err := s.Get(c.ID)
	if err != nil || running.State.Status != container.Running {
		t.Fatalf("Get = %+v, %v; want running", running, err)
	}
	if err := syscall.Kill(running.State.MonitorPid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, running.State.MonitorPid)
	if err := os.Remove(filepath.Join(s.Dir(c.ID), "container.json")); err != nil {
		t.Fatal(err)
	}
	if dirs, _ := filepath.Glob("/sys/fs/cgroup/*/dockyard/" + c.ID); len(dirs) == 0 {
		t.Fatal("the container has no cgroups to leave behind")
	}

	all, err := s.List()
	if err != nil || len(all) != 0 {
		t.Fatalf("List = %v, %v; want no container", all, err)
	}
	waitGone(t, running.State.Pid)
	if dirs, _ := filepath.Glob("/sys/fs/cgroup/*/dockyard/" + c.ID); len(dirs) > 0 {
		t.Errorf("cgroups left after List: %v", dirs)
	}
	if _, err := os.Stat(s.Dir(c.ID)); !os.IsNotExist(err) {
		t.Errorf("the container's directory is still there after List (%v)", err)
	}
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	for i := 0; i < 500; i++ {
		b, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(b), ") Z ") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("process %d did not go away", pid)
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestRestartAlways: the monitor restarts the process until stop.
func TestRestartAlways(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	spec := shSpec(rootfs, "echo run; exit 1")
	spec.Host.Restart = container.RestartPolicy{Name: "always"}
	c := started(t, s, spec)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		got, err := s.Get(c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State.RestartCount >= 2 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("restart count stayed at %d", got.State.RestartCount)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := s.Stop(ctx, c.ID, time.Second); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(c.ID)
	if err != nil || got.State.Status != container.Exited {
		t.Fatalf("after stop: %+v, %v; want exited", got.State, err)
	}
	var logs bytes.Buffer
	if err := s.Logs(ctx, c.ID, container.LogOptions{Tail: -1}, &logs, &logs); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(logs.String(), "run\n"); n < 2 {
		t.Errorf("log has %d runs, want at least 2: %q", n, logs.String())
	}
}

func TestNamesAndPrefixes(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	a, err := s.Create(shSpec(rootfs, "true"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(a.Name, "_") || len(a.ID) != 64 {
		t.Errorf("Create = name %q id %q, want adjective_surname and 64 hex", a.Name, a.ID)
	}
	spec := shSpec(rootfs, "true")
	spec.Name = "named"
	b, err := s.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(spec); err == nil || !strings.Contains(err.Error(), `The container name "/named" is already in use`) {
		t.Errorf("Create with a taken name = %v, want a conflict", err)
	}
	for ref, want := range map[string]string{"named": b.ID, b.ID[:5]: b.ID, a.ID[:12]: a.ID, a.Name: a.ID} {
		if id, err := s.Resolve(ref); err != nil || id != want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", ref, id, err, want)
		}
	}
	if _, err := s.Resolve("zzz"); err == nil {
		t.Errorf("Resolve(zzz) found something")
	}
	// Two ids share the empty prefix... and any common first characters;
	// find a prefix both share to see the ambiguity error.
	common := 0
	for common < 64 && a.ID[common] == b.ID[common] {
		common++
	}
	if common > 0 {
		if _, err := s.Resolve(a.ID[:common]); err == nil || !strings.Contains(err.Error(), "ambiguous") {
			t.Errorf("Resolve(%q) = %v, want ambiguous", a.ID[:common], err)
		}
	}
}

// TestRemoveRunningNamesWhatWasTyped: `docker rm c1b` of a running container
// answers about "c1b", the reference the student typed, as moby's
// daemon/delete.go does; not about the container's stored name "/web".
func TestRemoveRunningNamesWhatWasTyped(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	spec := shSpec(rootfs, "sleep 1000")
	spec.Name = "web"
	c := started(t, s, spec)
	for _, ref := range []string{c.ID[:3], "web"} {
		want := `cannot remove container "` + ref + `": container is running: stop the container before removing or force remove`
		if err := s.Remove(context.Background(), ref, false); err == nil || err.Error() != want {
			t.Errorf("Remove(%q) = %v, want %s", ref, err, want)
		}
	}
}
