package spawn

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestMonitorBinary: dockyard-monitor beside the running binary runs the
// monitors; without it the running binary does, whatever the files' times.
func TestMonitorBinary(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	helper := filepath.Join(filepath.Dir(exe), MonitorBinary)
	if _, err := os.Stat(helper); err == nil {
		t.Skipf("%s exists already", helper)
	}
	if got := monitorBinary(); got != "/proc/self/exe" {
		t.Errorf("monitorBinary() without %s = %q, want /proc/self/exe", MonitorBinary, got)
	}
	if err := os.WriteFile(helper, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Skipf("cannot write beside the test binary: %v", err)
	}
	t.Cleanup(func() { os.Remove(helper) })
	if got := monitorBinary(); got != helper {
		t.Errorf("monitorBinary() = %q, want %q", got, helper)
	}
	// An older helper is used too: no rule on modification times.
	old := exeTime(t, exe).AddDate(-1, 0, 0)
	if err := os.Chtimes(helper, old, old); err != nil {
		t.Fatal(err)
	}
	if got := monitorBinary(); got != helper {
		t.Errorf("monitorBinary() with an older %s = %q, want %q", MonitorBinary, got, helper)
	}
}

func exeTime(t *testing.T, exe string) time.Time {
	t.Helper()
	fi, err := os.Stat(exe)
	if err != nil {
		t.Fatal(err)
	}
	return fi.ModTime()
}

// TestMonitorEnv: a monitor, and the container's init that libcontainer
// starts with the monitor's GOMAXPROCS, start with one thread whatever the
// caller's environment says.
func TestMonitorEnv(t *testing.T) {
	for _, tc := range []struct{ env, want []string }{
		{nil, []string{"GOMAXPROCS=1"}},
		{[]string{"PATH=/bin", "HOME=/root"}, []string{"PATH=/bin", "HOME=/root", "GOMAXPROCS=1"}},
		{[]string{"GOMAXPROCS=8", "PATH=/bin", "GOMAXPROCS=4"}, []string{"PATH=/bin", "GOMAXPROCS=1"}},
		{[]string{"GOMAXPROCSX=2", "GOMAXPROC"}, []string{"GOMAXPROCSX=2", "GOMAXPROC", "GOMAXPROCS=1"}},
	} {
		if got := monitorEnv(tc.env); !slices.Equal(got, tc.want) {
			t.Errorf("monitorEnv(%q) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

func TestIsDockerRun(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"dockyard", "docker", "run", "--rm", "busybox"}, true},
		{[]string{"/usr/local/bin/dockyard", "--debug", "docker", "run", "busybox"}, true},
		{[]string{"dockyard", "--root", "/tmp/r", "docker", "run", "busybox"}, true},
		{[]string{"dockyard", "--root=/tmp/r", "--lang", "ko", "docker", "container", "run", "busybox"}, true},
		{[]string{"/usr/local/lib/dockyard/bin/docker", "run", "-d", "busybox"}, true},
		{[]string{"docker", "container", "run", "busybox"}, true},
		{[]string{"dockyard", "docker", "ps"}, false},
		{[]string{"dockyard", "docker", "container", "ls"}, false},
		{[]string{"dockyard", "docker", "start", "run"}, false},
		{[]string{"dockyard", "run"}, false},
		{[]string{"dockyard", "__monitor", "/var/lib/dockyard", "-"}, false},
		{[]string{"dockyard", "init"}, false},
		{[]string{"docker"}, false},
		{[]string{"dockyard"}, false},
		{nil, false},
	} {
		if got := IsDockerRun(tc.args); got != tc.want {
			t.Errorf("IsDockerRun(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

func TestRootFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"dockyard", "docker", "run", "--root", "/x", "busybox"}, ""},
		{[]string{"dockyard", "--root", "/a", "docker", "run", "busybox"}, "/a"},
		{[]string{"dockyard", "--root=/a", "--root", "/b", "docker", "run"}, "/b"},
		{[]string{"docker", "--root=rel", "run"}, "rel"},
	} {
		if got := rootFlag(tc.args); got != tc.want {
			t.Errorf("rootFlag(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
