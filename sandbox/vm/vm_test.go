package vm

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cavaliergopher/cpio"
)

func TestKernelCmdlineCarriesTheCommand(t *testing.T) {
	spec := bootSpec{command: []string{"sh", "-c", "uname -r; head -1 /proc/meminfo"}}
	line, err := spec.kernelCmdline()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"console=ttyS0", "panic=-1", "dockyard.mode=batch"} {
		if !strings.Contains(line, want) {
			t.Errorf("kernelCmdline() = %q, want it to contain %q", line, want)
		}
	}
	_, enc, ok := strings.Cut(line, "dockyard.cmd=")
	if !ok {
		t.Fatalf("kernelCmdline() = %q, want a dockyard.cmd= argument", line)
	}
	dec, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatalf("dockyard.cmd=%s: %v", enc, err)
	}
	if got, want := string(dec), `sh -c 'uname -r; head -1 /proc/meminfo'`; got != want {
		t.Errorf("decoded command = %q, want %q", got, want)
	}
}

func TestKernelCmdlineRejectsHugeCommands(t *testing.T) {
	spec := bootSpec{command: []string{"echo", strings.Repeat("x", maxCmdline)}}
	if _, err := spec.kernelCmdline(); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Errorf("kernelCmdline() with a %d-byte command: err = %v, want a too long error", maxCmdline, err)
	}
}

func TestParseAccel(t *testing.T) {
	for in, want := range map[string]Accel{"": AccelAuto, "auto": AccelAuto, "kvm": AccelKVM, "tcg": AccelTCG} {
		if got, err := ParseAccel(in); got != want || err != nil {
			t.Errorf("ParseAccel(%q) = %q, %v, want %q", in, got, err, want)
		}
	}
	if _, err := ParseAccel("hvf"); err == nil {
		t.Errorf("ParseAccel(%q) succeeded, want an error", "hvf")
	}
}

func TestWriteInitramfs(t *testing.T) {
	busybox := filepath.Join(t.TempDir(), "busybox")
	os.WriteFile(busybox, []byte("not really busybox"), 0o755)
	var buf bytes.Buffer
	if err := WriteInitramfs(&buf, busybox, "#!/bin/busybox sh\necho hi\n"); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	modes := map[string]cpio.FileMode{}
	r := cpio.NewReader(zr)
	for {
		hdr, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		got[hdr.Name], modes[hdr.Name] = string(b), hdr.Mode
	}
	if got["init"] != "#!/bin/busybox sh\necho hi\n" || got["bin/busybox"] != "not really busybox" {
		t.Errorf("initramfs holds %q, want init and bin/busybox with their contents", got)
	}
	for _, name := range []string{"init", "bin/busybox"} {
		if !modes[name].IsRegular() || modes[name].Perm()&0o111 == 0 {
			t.Errorf("initramfs %s has mode %v, want an executable file", name, modes[name])
		}
	}
	for _, dir := range []string{"dev", "proc", "sys", "bin"} {
		if !modes[dir].IsDir() {
			t.Errorf("initramfs %s has mode %v, want a directory", dir, modes[dir])
		}
	}
}

func TestInitramfsIsBuiltOnceAndRebuiltForANewInit(t *testing.T) {
	dir := t.TempDir()
	busybox := filepath.Join(dir, "busybox")
	os.WriteFile(busybox, []byte("bb"), 0o755)
	a, err := Initramfs(filepath.Join(dir, "cache"), busybox, "init one")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Initramfs(filepath.Join(dir, "cache"), busybox, "init one")
	other, _ := Initramfs(filepath.Join(dir, "cache"), busybox, "init two")
	if a != again || a == other {
		t.Errorf("Initramfs paths: %s, again %s, new init %s; want the same path for the same inputs only", a, again, other)
	}
	if _, err := Initramfs(dir, filepath.Join(dir, "missing"), "x"); err == nil || !strings.Contains(err.Error(), "busybox-static") {
		t.Errorf("Initramfs with no busybox: err = %v, want one naming busybox-static", err)
	}
}

func TestFindKernel(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "boot", "vmlinuz-6.1.0-56-cloud-amd64")
	os.MkdirAll(filepath.Dir(img), 0o755)
	os.WriteFile(img, make([]byte, 1234), 0o644)
	link := filepath.Join(dir, "vmlinuz")
	os.Symlink("boot/vmlinuz-6.1.0-56-cloud-amd64", link)

	k, err := FindKernel(link)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Kernel{Path: img, Release: "6.1.0-56-cloud-amd64", Size: 1234}); k != want {
		t.Errorf("FindKernel(%s) = %+v, want %+v", link, k, want)
	}
	_, err = FindKernel(filepath.Join(dir, "nope"))
	if !errors.Is(err, ErrNoKernel) || !strings.Contains(err.Error(), ".ci/setup") {
		t.Errorf("FindKernel(missing) = %v, want ErrNoKernel naming .ci/setup", err)
	}
}

func TestLastRunRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadLastRun(dir); !errors.Is(err, ErrNoLastRun) {
		t.Fatalf("ReadLastRun(empty) = %v, want ErrNoLastRun", err)
	}
	rec := NewLastRun([]string{"uname", "-r"}, AccelTCG, Ready{Kernel: "6.1.0-56-cloud-amd64", MemTotalKB: 94800}, 2300*time.Millisecond)
	code := 0
	rec.ExitCode = &code
	if err := RecordLastRun(dir, rec); err != nil {
		t.Fatal(err)
	}
	got, err := ReadLastRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.GuestKernel != "6.1.0-56-cloud-amd64" || got.HostKernel != HostKernel() || got.KernelDiffersFromHost != (HostKernel() != "6.1.0-56-cloud-amd64") ||
		got.ExitCode == nil || *got.ExitCode != 0 || got.BootMillis != 2300 || got.Accel != AccelTCG {
		t.Errorf("ReadLastRun = %+v, want what was recorded: %+v", got, rec)
	}
}

// fakeQEMU writes a shell script that stands in for qemu, so Run's handling
// of what qemu does (report, hang, fail) is tested without booting.
func fakeQEMU(t *testing.T, script string) Config {
	t.Helper()
	dir := t.TempDir()
	qemu := filepath.Join(dir, "qemu")
	if err := os.WriteFile(qemu, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	kernel := filepath.Join(dir, "vmlinuz-fake")
	busybox := filepath.Join(dir, "busybox")
	os.WriteFile(kernel, []byte("kernel"), 0o644)
	os.WriteFile(busybox, []byte("busybox"), 0o755)
	return Config{Dir: filepath.Join(dir, "vm"), QEMU: qemu, Kernel: kernel, Busybox: busybox, Accel: AccelTCG, Command: []string{"true"}}
}

func TestRunWithFakeQEMU(t *testing.T) {
	const ready = `printf '@@dockyard:ready kernel=fake mem_kb=2048 uptime=0.2@@\n'; `
	tests := []struct {
		name       string
		script     string
		bootTO     time.Duration
		timeout    time.Duration
		wantOutput string
		wantExit   int
		wantOff    bool
		wantErr    string
	}{
		{
			name:       "the guest's exit code and output",
			script:     ready + `echo hello; printf '@@dockyard:exit=42@@\n'`,
			wantOutput: "hello\n", wantExit: 42, wantOff: true,
		},
		{
			name:    "qemu fails to start the machine",
			script:  `echo "qemu-system-x86_64: -accel kvm: failed to initialize kvm" >&2; exit 1`,
			wantErr: "qemu failed: qemu-system-x86_64: -accel kvm: failed to initialize kvm",
		},
		{
			name:    "the guest stops without an exit code",
			script:  ready + `echo 'Kernel panic - not syncing: oops'`,
			wantErr: "vm stopped without reporting an exit code",
		},
		{
			name:    "a guest that never reports ready is killed at the boot timeout",
			script:  `exec sleep 600`,
			bootTO:  300 * time.Millisecond,
			wantErr: "vm did not finish booting within 300ms under tcg: killed qemu",
		},
		{
			name:    "a guest that never powers off is killed at the run timeout",
			script:  ready + `exec sleep 600`,
			timeout: 500 * time.Millisecond,
			wantErr: "vm did not power off within 500ms: killed qemu",
		},
		{
			name:     "a guest that reported its exit code but hangs is killed after a grace",
			script:   ready + `printf '@@dockyard:exit=0@@\n'; exec sleep 600`,
			wantExit: 0, wantOff: false,
		},
	}
	defer func(g time.Duration) { powerOffGrace = g }(powerOffGrace)
	powerOffGrace = 200 * time.Millisecond
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := fakeQEMU(t, tt.script)
			var out bytes.Buffer
			cfg.Stdout, cfg.BootTimeout, cfg.Timeout = &out, tt.bootTO, tt.timeout
			res, err := Run(context.Background(), cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Run() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run() error = %v", err)
			}
			if res.ExitCode != tt.wantExit || res.PoweredOff != tt.wantOff || out.String() != tt.wantOutput {
				t.Errorf("Run() = exit %d, powered off %v, output %q; want %d, %v, %q", res.ExitCode, res.PoweredOff, out.String(), tt.wantExit, tt.wantOff, tt.wantOutput)
			}
			if res.Ready.Kernel != "fake" || res.Ready.MemTotalKB != 2048 {
				t.Errorf("Run().Ready = %+v, want the guest's report", res.Ready)
			}
		})
	}
}

func TestRunTimeoutErrorIsTyped(t *testing.T) {
	cfg := fakeQEMU(t, `exec sleep 600`)
	cfg.BootTimeout = 200 * time.Millisecond
	_, err := Run(context.Background(), cfg)
	var te *TimeoutError
	if !errors.As(err, &te) || te.Phase != "boot" || te.Accel != AccelTCG {
		t.Errorf("Run() error = %#v, want a *TimeoutError in the boot phase", err)
	}
}

func TestChooseAccelRemembersItsAnswer(t *testing.T) {
	cfg := fakeQEMU(t, `exec sleep 600`) // a "KVM" that hangs, as nested KVM does here
	cfg.Accel = AccelAuto
	defer func(d time.Duration) { probeBootTimeout = d }(probeBootTimeout)
	probeBootTimeout = 300 * time.Millisecond

	first, err := ChooseAccel(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if first.Accel != AccelTCG || first.Reason == "" || first.Detail == "" {
		t.Errorf("ChooseAccel with a hanging KVM = %+v, want tcg with a reason and its detail", first)
	}
	// Without /dev/kvm the probe stops at the open; with it, the hanging
	// guest does not boot: either way a cause the catalogs word.
	if first.Cause != CauseNoKVM && first.Cause != CauseNotKVM && first.Cause != CauseNoBoot {
		t.Errorf("ChooseAccel with a hanging KVM: cause %q, want %q, %q or %q", first.Cause, CauseNoKVM, CauseNotKVM, CauseNoBoot)
	}
	// A second call answers from accel.json without probing again.
	second, err := ChooseAccel(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !second.ProbedAt.Equal(first.ProbedAt) || second.Accel != first.Accel {
		t.Errorf("second ChooseAccel = %+v, want the remembered %+v", second, first)
	}
	if saved, err := ReadAccelChoice(cfg.Dir); err != nil || saved.Accel != first.Accel {
		t.Errorf("ReadAccelChoice = %+v, %v, want %+v", saved, err, first)
	}
}

func TestKernelCmdlineBootMessages(t *testing.T) {
	for _, tt := range []struct {
		verbose bool
		want    string
	}{{false, " quiet "}, {true, " loglevel=7 "}} {
		line, err := bootSpec{bootMessages: tt.verbose, interactive: true}.kernelCmdline()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(line, tt.want) || !strings.Contains(line, "dockyard.mode=tty") || strings.Contains(line, "dockyard.cmd=") {
			t.Errorf("kernelCmdline(boot messages %v, shell) = %q, want %q, tty mode and no command", tt.verbose, line, tt.want)
		}
	}
}
