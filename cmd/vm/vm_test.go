package vm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/vm"
)

func TestRunFlags(t *testing.T) {
	tests := []struct {
		args        []string
		wantCommand []string
		wantMemory  string
		wantDetach  bool
	}{
		{args: []string{"--", "uname", "-r"}, wantCommand: []string{"uname", "-r"}, wantMemory: "128M"},
		{args: []string{"-m", "256M", "-d"}, wantMemory: "256M", wantDetach: true},
		{args: []string{"--memory", "1G", "--", "sh", "-c", "exit 3"}, wantCommand: []string{"sh", "-c", "exit 3"}, wantMemory: "1G"},
	}
	for _, tt := range tests {
		ios, _, _, _ := iostreams.Test()
		var got *RunOptions
		cmd := NewCmdRun(&factory.Factory{IOStreams: ios, Root: "/r"}, func(o *RunOptions) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("vm run %q: %v", tt.args, err)
		}
		if strings.Join(got.Command, " ") != strings.Join(tt.wantCommand, " ") || got.Memory != tt.wantMemory || got.Detach != tt.wantDetach || got.Root != "/r" {
			t.Errorf("vm run %q = %+v, want command %q, memory %s, detach %v", tt.args, got, tt.wantCommand, tt.wantMemory, tt.wantDetach)
		}
	}
}

func TestRunRejectsBadInputBeforeBooting(t *testing.T) {
	tests := []struct {
		opts    RunOptions
		wantErr string
	}{
		{RunOptions{Memory: "lots", Accel: "auto", Command: []string{"true"}}, `invalid --memory "lots": use a size such as 128M or 1G`},
		{RunOptions{Memory: "16M", Accel: "auto", Command: []string{"true"}}, "--memory 16M is out of range: give between 64M and 4096M"},
		{RunOptions{Memory: "128M", Accel: "hvf", Command: []string{"true"}}, `unknown accelerator "hvf" (use auto, kvm or tcg)`},
		{RunOptions{Memory: "128M", Accel: "tcg"}, "no command given and stdin is not a terminal"},
		{RunOptions{Memory: "128M", Accel: "tcg", Kernel: "/nonexistent/vmlinuz", Command: []string{"true"}}, "no VM kernel at /nonexistent/vmlinuz (fetch it with: sudo bash .ci/setup)"},
	}
	for _, tt := range tests {
		ios, _, _, _ := iostreams.Test()
		opts := tt.opts
		opts.IO, opts.Root = ios, t.TempDir()
		err := runRun(context.Background(), &opts)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("vm run %+v: err = %v, want %q", tt.opts, err, tt.wantErr)
		}
		if entries, _ := os.ReadDir(vm.Dir(opts.Root)); len(entries) > 0 {
			t.Errorf("vm run %+v left %d entries in the state directory, want none", tt.opts, len(entries))
		}
	}
}

func TestLsShowsDetachedVMs(t *testing.T) {
	root := t.TempDir()
	// A VM that ran "true" and exited, as Start and the guest leave it.
	dir := filepath.Join(vm.Dir(root), "0123456789ab")
	os.MkdirAll(dir, 0o700)
	created := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	os.WriteFile(filepath.Join(dir, "vm.json"), []byte(`{"id":"0123456789ab","command":["true"],"memory_mb":128,"accel":"tcg","kernel":"6.1.0-56-cloud-amd64","created":"`+created.Format(time.RFC3339)+`","ready":{"Kernel":"6.1.0-56-cloud-amd64","MemTotalKB":94800}}`), 0o644)
	os.WriteFile(filepath.Join(dir, "console.log"), []byte("@@dockyard:ready kernel=6.1.0-56-cloud-amd64 mem_kb=94800 uptime=1@@\n@@dockyard:exit=0@@\n"), 0o644)

	ios, _, out, _ := iostreams.Test()
	if err := lsRun(&LsOptions{IO: ios, Root: root, Now: func() time.Time { return created.Add(3 * time.Minute) }}); err != nil {
		t.Fatal(err)
	}
	want := "VM ID          COMMAND   CREATED         STATUS       MEMORY   KERNEL                 ACCEL\n" +
		"0123456789ab   \"true\"    3 minutes ago   Exited (0)   128M     6.1.0-56-cloud-amd64   tcg\n"
	if out.String() != want {
		t.Errorf("vm ls =\n%s\nwant\n%s", out, want)
	}

	ios, _, out, errOut := iostreams.Test()
	err := rmRun(&RmOptions{IO: ios, Root: root, IDs: []string{"0123", "ffff"}})
	var st *factory.StatusError
	if !errors.As(err, &st) || st.Code != 1 {
		t.Errorf("vm rm 0123 ffff = %v, want exit 1 for the missing one", err)
	}
	if out.String() != "0123\n" || !strings.Contains(errOut.String(), "no such vm: ffff") {
		t.Errorf("vm rm: stdout %q, stderr %q; want 0123 removed and ffff reported", out, errOut)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("vm rm left %s behind", dir)
	}
}

// TestIntegrationRunCommand boots the real kernel once through the command,
// as a student would: output on stdout, the summary on stderr, the guest's
// exit code as the command's, and the record the checker reads.
func TestIntegrationRunCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a VM; skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI runs as root)")
	}
	ios, _, out, errOut := iostreams.Test()
	opts := &RunOptions{IO: ios, Root: t.TempDir(), Memory: "128M", Accel: "tcg", Timeout: 2 * time.Minute, BootTimeout: 90 * time.Second,
		Command: []string{"sh", "-c", "uname -r; exit 5"}}
	err := runRun(context.Background(), opts)
	var st *factory.StatusError
	if !errors.As(err, &st) || st.Code != 5 {
		t.Fatalf("vm run = %v, want the guest's exit code 5\nstderr:\n%s", err, errOut)
	}
	k, err := vm.FindKernel("")
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != k.Release+"\n" {
		t.Errorf("stdout = %q, want the guest's uname -r %q", out, k.Release)
	}
	for _, want := range []string{"Accelerator: tcg", "guest kernel   " + k.Release, "host: " + vm.HostKernel(), "boot time", "host memory", "exit code      5"} {
		if !strings.Contains(errOut.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	rec, err := vm.ReadLastRun(vm.Dir(opts.Root))
	if err != nil {
		t.Fatal(err)
	}
	if rec.GuestKernel != k.Release || rec.ExitCode == nil || *rec.ExitCode != 5 || rec.KernelDiffersFromHost != (k.Release != vm.HostKernel()) {
		t.Errorf("last run = %+v, want guest kernel %s and exit code 5", rec, k.Release)
	}
}

func TestCopyUntilDetachStopsAtCtrlBracket(t *testing.T) {
	tests := []struct{ in, want string }{
		{"uname -r\r", "uname -r\r"},
		{"ls\r\x1dnot sent", "ls\r"},
		{"\x1d", ""},
	}
	for _, tt := range tests {
		var got strings.Builder
		if err := copyUntilDetach(&got, strings.NewReader(tt.in)); err != nil {
			t.Errorf("copyUntilDetach(%q) = %v", tt.in, err)
		}
		if got.String() != tt.want {
			t.Errorf("copyUntilDetach(%q) sent %q, want %q", tt.in, got.String(), tt.want)
		}
	}
}

// TestManageSpeaksTheStudentsLanguage: vm stop, rm and console refuse in
// the student's language, as vm run does.
func TestManageSpeaksTheStudentsLanguage(t *testing.T) {
	root := t.TempDir()
	exited := filepath.Join(vm.Dir(root), "0123456789ab")
	os.MkdirAll(exited, 0o700)
	os.WriteFile(filepath.Join(exited, "vm.json"), []byte(`{"id":"0123456789ab","command":["true"],"memory_mb":128}`), 0o644)
	// A VM whose qemu runs: a process that names its pid file, as qemu's
	// -pidfile does.
	running := filepath.Join(vm.Dir(root), "abcdef012345")
	os.MkdirAll(running, 0o700)
	os.WriteFile(filepath.Join(running, "vm.json"), []byte(`{"id":"abcdef012345","memory_mb":128}`), 0o644)
	qemu := exec.Command("sh", "-c", "sleep 30", "qemu", filepath.Join(running, "qemu.pid"))
	if err := qemu.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { qemu.Process.Kill(); qemu.Wait() })
	os.WriteFile(filepath.Join(running, "qemu.pid"), []byte(strconv.Itoa(qemu.Process.Pid)), 0o644)
	// Start returns once the child has passed execve's point of no return,
	// a moment before the kernel sets its new argv: until then its
	// /proc/<pid>/cmdline is empty and the VM looks stopped (qemu, which
	// writes its pid file itself, is past it). The deadline only bounds a
	// broken run.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", qemu.Process.Pid))
		if bytes.Contains(cmdline, []byte("qemu.pid")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the fake qemu's cmdline is %q", cmdline)
		}
	}

	tests := []struct {
		lang, want string
		run        func(*iostreams.IOStreams, string) error
	}{
		{"ko", "오류: 그런 가상 머신이 없어요: ffff\n", func(ios *iostreams.IOStreams, lang string) error {
			return stopRun(context.Background(), &StopOptions{IO: ios, Root: root, IDs: []string{"ffff"}, Lang: lang})
		}},
		{"ko", "오류: 가상 머신 abcdef012345는 실행 중이에요: 먼저 멈추거나(dockyard vm stop abcdef012345) rm -f를 쓰세요\n", func(ios *iostreams.IOStreams, lang string) error {
			return rmRun(&RmOptions{IO: ios, Root: root, IDs: []string{"abcd"}, Lang: lang})
		}},
		{"en", "Error: vm abcdef012345 is running: stop it first (dockyard vm stop abcdef012345) or use rm -f\n", func(ios *iostreams.IOStreams, lang string) error {
			return rmRun(&RmOptions{IO: ios, Root: root, IDs: []string{"abcd"}, Lang: lang})
		}},
		{"ko", "가상 머신 0123456789ab는 실행 중이 아니에요: dockyard vm run -d로 하나 시작하세요", func(ios *iostreams.IOStreams, lang string) error {
			return consoleRun(&ConsoleOptions{IO: ios, Root: root, ID: "0123", Lang: lang})
		}},
		{"en", "no such vm: ffff", func(ios *iostreams.IOStreams, lang string) error {
			return consoleRun(&ConsoleOptions{IO: ios, Root: root, ID: "ffff", Lang: lang})
		}},
	}
	for _, tt := range tests {
		ios, _, _, errOut := iostreams.Test()
		err := tt.run(ios, tt.lang)
		got := errOut.String()
		if err != nil && !errors.As(err, new(*factory.StatusError)) {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("[%s] got %q, want %q", tt.lang, got, tt.want)
		}
	}
	if _, err := os.Stat(running); err != nil {
		t.Errorf("vm rm without -f removed a running VM: %v", err)
	}
}
