package container_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == "__monitor" && os.Getenv("DOCKYARD_TEST_MONITOR_DIES") != "" {
		// A monitor killed before it reports the start (TestStartMonitorDies).
		unix.Kill(os.Getpid(), unix.SIGKILL)
	}
	container.Reexec(testHooks)
	os.Exit(m.Run())
}

// testHooks are the monitor's hooks in these tests: none, unless
// DOCKYARD_TEST_SLOW_READY asks for a Prestart whose Ready takes a while
// and then leaves /ready in the container's root filesystem
// (TestReadyBeforeTheProcess).
func testHooks(s *container.Store) container.Hooks {
	if os.Getenv("DOCKYARD_TEST_SLOW_READY") == "" {
		return container.Hooks{}
	}
	return container.Hooks{
		Prestart: func(ctx context.Context, c *container.Container) (container.Network, error) {
			return container.Network{Ready: func() ([]container.Service, error) {
				time.Sleep(300 * time.Millisecond)
				return nil, os.WriteFile(filepath.Join(s.RootfsPath(c.ID), "ready"), nil, 0o644)
			}}, nil
		},
	}
}

// TestReadyBeforeTheProcess: the network a Prestart hook sets up beside the
// runtime's work (Network.Ready) is complete before the container's first
// instruction, which finds its mark.
func TestReadyBeforeTheProcess(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	t.Setenv("DOCKYARD_TEST_SLOW_READY", "1")
	out, code := run(t, s, shSpec(rootfs, "test -e /ready && echo ready"))
	if code != 0 || out != "ready\n" {
		t.Errorf("first instruction after a slow Ready = %q (exit %d), want %q (exit 0)", out, code, "ready\n")
	}
}

// busyboxRootfs builds a minimal root filesystem from the host's static
// busybox (Debian's busybox-static), once per test binary.
func busyboxRootfs(t testing.TB) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("needs busybox-static (see .ci/apt-packages)")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"bin", "etc", "tmp", "proc", "sys", "dev", "root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bb, "--list").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range strings.Fields(string(out)) {
		if name == "busybox" {
			continue
		}
		_ = os.Symlink("busybox", filepath.Join(dir, "bin", name))
	}
	files := map[string]string{
		"etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n",
		"etc/group":  "root:x:0:\nnogroup:x:65534:\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func openStore(t *testing.T) *container.Store {
	t.Helper()
	s, err := container.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// started creates spec's container, starts it and removes it when the
// test ends.
func started(t *testing.T, s *container.Store, spec container.Spec) *container.Container {
	t.Helper()
	c, err := s.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Remove(context.Background(), c.ID, true) })
	if _, err := s.Start(context.Background(), c.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	return c
}

// run creates and starts a container with cmd and returns its output and
// exit code.
func run(t *testing.T, s *container.Store, spec container.Spec) (string, int) {
	t.Helper()
	c, err := s.Create(spec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	t.Cleanup(func() { _ = s.Remove(context.Background(), c.ID, true) })
	a, err := s.Start(context.Background(), c.ID, container.StartOptions{Attach: true})
	if err != nil {
		var se *container.StartError
		if ok := asStartError(err, &se); ok {
			return se.Msg, se.Code
		}
		t.Fatalf("Start: %v", err)
	}
	var out bytes.Buffer
	code, err := a.Stream(nil, &out, &out)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	return out.String(), code
}

func asStartError(err error, se **container.StartError) bool {
	e, ok := err.(*container.StartError)
	if ok {
		*se = e
	}
	return ok
}

func shSpec(rootfs string, script string) container.Spec {
	return container.Spec{
		Image:     "busybox",
		LowerDirs: []string{rootfs},
		Config:    container.Config{Cmd: []string{"sh", "-c", script}, Env: []string{"PATH=/bin"}},
	}
}

func TestRunEcho(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	c, err := s.Create(shSpec(rootfs, "echo hello; echo oops >&2; exit 3"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Remove(context.Background(), c.ID, true) })
	a, err := s.Start(context.Background(), c.ID, container.StartOptions{Attach: true})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code, err := a.Stream(nil, &stdout, &stderr)
	if err != nil || stdout.String() != "hello\n" || stderr.String() != "oops\n" || code != 3 {
		t.Errorf("Stream = %d, %v, stdout %q, stderr %q; want 3, nil, %q, %q", code, err, stdout.String(), stderr.String(), "hello\n", "oops\n")
	}
}

// A container start leaves the host's cgroup2 mount with favordynmods,
// which makes moving the container's process into its cgroups cheap
// (sandbox/container/cgroupmoves.go), on kernels that know the option.
func TestStartFavorsCgroupMoves(t *testing.T) {
	rootfs := busyboxRootfs(t)
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	var major int
	fmt.Sscanf(unix.ByteSliceToString(uts.Release[:]), "%d.", &major)
	if major < 6 {
		t.Skipf("Linux %s has no favordynmods", unix.ByteSliceToString(uts.Release[:]))
	}
	mountinfo := func() string {
		b, err := os.ReadFile("/proc/self/mountinfo")
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if !strings.Contains(mountinfo(), " - cgroup2 ") {
		t.Skip("no cgroup2 mount on this host")
	}
	s := openStore(t)
	if out, code := run(t, s, shSpec(rootfs, "true")); code != 0 {
		t.Fatalf("run: exit %d, %s", code, out)
	}
	for _, line := range strings.Split(mountinfo(), "\n") {
		if strings.Contains(line, " - cgroup2 ") && !strings.Contains(line, "favordynmods") {
			t.Errorf("cgroup2 mount without favordynmods after a start: %s", line)
		}
	}
}

func TestDetachedRunKeepsLogsAndExitCode(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	c := started(t, s, shSpec(rootfs, "echo one; sleep 0.2; echo two; exit 7"))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code, err := s.Wait(ctx, c.Name)
	if err != nil || code != 7 {
		t.Fatalf("Wait = %d, %v, want 7", code, err)
	}
	var out bytes.Buffer
	if err := s.Logs(ctx, c.ID[:12], container.LogOptions{Tail: -1}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "one\ntwo\n" {
		t.Errorf("Logs = %q, want %q", out.String(), "one\ntwo\n")
	}
	got, err := s.Get(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State.Status != container.Exited || got.State.ExitCode != 7 || got.State.FinishedAt.IsZero() {
		t.Errorf("State = %+v, want exited with 7", got.State)
	}
}

// TestSecurityDefaults proves Docker's defaults hold inside a container.
func TestSecurityDefaults(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	tests := []struct {
		name   string
		script string
		want   string
	}{
		{"cannot see host processes", "ps -o comm > /tmp/ps; tr '\\n' ' ' < /tmp/ps", "COMMAND sh ps "},
		{"is pid 1", "echo $$", "1"},
		{"cannot mount", "mkdir -p /mnt && mount -t tmpfs none /mnt 2>/dev/null && echo mounted || echo denied", "denied"},
		{"cannot load modules", "insmod /nonexistent.ko 2>&1 | grep -q -i -e 'not permitted' -e 'no such' && echo denied", "denied"},
		{"cannot write /proc/sys", "(cat /proc/sys/vm/laptop_mode > /proc/sys/vm/laptop_mode) 2>/dev/null && echo wrote || echo denied", "denied"},
		{"kernel keys are masked", "wc -c < /proc/keys", "0"},
		{"default capabilities", "grep CapBnd /proc/self/status", "CapBnd:\t00000000a80425fb"},
		{"seccomp filter on", "grep Seccomp: /proc/self/status", "Seccomp:\t2"},
		{"minimal /dev", "ls /dev | tr '\\n' ' '", "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero "},
		{"pids limited", "cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || echo none", "2048"},
		{"own cgroup namespace", "grep -v ':/$' /proc/self/cgroup | wc -l", "0"},
		{"cgroups read-only", "f=/sys/fs/cgroup/pids/pids.max; [ -e $f ] || f=/sys/fs/cgroup/pids.max; (echo 1 > $f) 2>/dev/null && echo wrote || echo denied", "denied"},
		{"no new netns interfaces but lo", "ls /sys/class/net | tr '\\n' ' '", "lo "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := run(t, s, shSpec(rootfs, tt.script))
			if strings.TrimRight(out, "\n") != tt.want || code != 0 {
				t.Errorf("%s: got %q (exit %d), want %q", tt.script, out, code, tt.want)
			}
		})
	}
}

// TestProcSelfExeIsProtected checks runc's protection against overwriting
// the runtime binary through /proc/self/exe (CVE-2019-5736): the init the
// container sees is a sealed copy, so writing it fails.
func TestProcSelfExeIsProtected(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	out, code := run(t, s, shSpec(rootfs, "for p in /proc/[0-9]*; do [ -e $p/exe ] && (echo x > $p/exe) 2>/dev/null && echo writable; done; echo done"))
	if strings.TrimSpace(out) != "done" || code != 0 {
		t.Errorf("writing /proc/*/exe: got %q (exit %d), want only %q", out, code, "done")
	}
}

func TestStartErrorsHaveDockerExitCodes(t *testing.T) {
	rootfs := busyboxRootfs(t)
	s := openStore(t)
	tests := []struct {
		cmd  []string
		code int
		msg  string
	}{
		{[]string{"nosuchcommand"}, 127, "executable file not found"},
		{[]string{"/etc/passwd"}, 126, "permission denied"},
	}
	for _, tt := range tests {
		spec := shSpec(rootfs, "")
		spec.Config.Cmd = tt.cmd
		out, code := run(t, s, spec)
		if code != tt.code || !strings.Contains(out, tt.msg) {
			t.Errorf("run %q = %q, %d; want %d and %q", tt.cmd, out, code, tt.code, tt.msg)
		}
	}
}

// TestStartMonitorDies: a monitor killed before it reports the start ends
// Start with ErrMonitorGone. The caller used to keep its copy of the
// monitor's end of the socket pair open while it waited, so docker run
// hung forever (found by e2e's TestCrashPoints).
func TestStartMonitorDies(t *testing.T) {
	s := openStore(t)
	rootfs := busyboxRootfs(t)
	c, err := s.Create(container.Spec{LowerDirs: []string{rootfs}, Config: container.Config{Cmd: []string{"true"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Remove(context.Background(), c.ID, true) })
	t.Setenv("DOCKYARD_TEST_MONITOR_DIES", "1")
	done := make(chan error, 1)
	go func() {
		_, err := s.Start(context.Background(), c.ID, container.StartOptions{})
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, container.ErrMonitorGone) {
			t.Errorf("Start with a dying monitor = %v, want %v", err, container.ErrMonitorGone)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Start with a dying monitor did not return in 20 s")
	}
}
