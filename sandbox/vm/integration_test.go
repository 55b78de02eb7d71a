package vm

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// These tests boot Debian's cloud kernel under qemu's TCG (KVM hangs on the
// nested machines CI runs on). A boot takes 2-5 s there; the timeouts are
// generous so that a slow, shared CI machine does not fail them, and they
// are limits the VM must respect, not measurements.
const (
	itBootTimeout = 90 * time.Second
	itRunTimeout  = 120 * time.Second
)

// realVM returns a Config for the real kernel and busybox, in a fresh state
// directory, or skips when the test cannot boot one.
func realVM(t *testing.T) Config {
	t.Helper()
	if testing.Short() {
		t.Skip("boots a VM; skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI runs as root)")
	}
	// As root (CI), a missing piece is a broken setup, not a reason to skip.
	if _, err := FindKernel(""); err != nil {
		t.Fatalf("%v", err)
	}
	if _, err := exec.LookPath(DefaultQEMU); err != nil {
		t.Fatalf("qemu: %v (install qemu-system-x86)", err)
	}
	return Config{Dir: t.TempDir(), Accel: AccelTCG, BootTimeout: itBootTimeout, Timeout: itRunTimeout}
}

func TestIntegrationRunReturnsOutputAndExitCode(t *testing.T) {
	cfg := realVM(t)
	var out bytes.Buffer
	cfg.Stdout = &out
	cfg.Command = []string{"sh", "-c", "echo hello from the guest; uname -r; exit 3"}
	res, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Run() error = %v", err)
	}
	k, _ := FindKernel("")
	if want := "hello from the guest\n" + k.Release + "\n"; out.String() != want {
		t.Errorf("guest output = %q, want %q", out.String(), want)
	}
	if res.ExitCode != 3 {
		t.Errorf("ExitCode = %d, want 3", res.ExitCode)
	}
	if !res.PoweredOff {
		t.Errorf("PoweredOff = false, want the guest to power off by itself within %s", itRunTimeout)
	}
	if res.Ready.Kernel != k.Release || res.Ready.MemTotalKB <= 0 || res.Accel != AccelTCG {
		t.Errorf("Ready = %+v, accel %s; want kernel %s, some memory, tcg", res.Ready, res.Accel, k.Release)
	}
	if res.MaxRSS <= 0 || res.BootTime <= 0 || res.FirstOutput < res.BootTime || res.Wall < res.FirstOutput {
		t.Errorf("measurements = boot %s, first output %s, wall %s, rss %d; want 0 < boot <= first output <= wall, rss > 0",
			res.BootTime, res.FirstOutput, res.Wall, res.MaxRSS)
	}
}

func TestIntegrationHungGuestIsKilledAtTheTimeout(t *testing.T) {
	cfg := realVM(t)
	// An init that reports ready, then never powers off.
	cfg.Init = "#!/bin/busybox sh\n" +
		"/bin/busybox mount -t devtmpfs devtmpfs /dev\n" +
		"exec 0<>/dev/console 1>&0 2>&0\n" +
		"echo '@@dockyard:ready kernel=hung mem_kb=1 uptime=0@@'\n" +
		"while :; do /bin/busybox sleep 1; done\n"
	cfg.Command = []string{"true"}
	cfg.Timeout = 10 * time.Second
	_, err := Run(context.Background(), cfg)
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("Run() error = %v, want a *TimeoutError", err)
	}
	if !strings.Contains(err.Error(), "killed qemu") {
		t.Errorf("error = %q, want it to say qemu was killed", err)
	}
}

// The detached VM's life (run -d, ls, rm refused, stop, rm) is tested through
// the commands in cmd/vm/testdata/detached.txtar.

// BenchmarkRunTCG boots a VM under TCG, runs `true` and waits for the
// power-off: the VM column of `dockyard compare` (make bench).
func BenchmarkRunTCG(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	cfg := Config{Dir: b.TempDir(), Accel: AccelTCG, Command: []string{"true"}, BootTimeout: itBootTimeout, Timeout: itRunTimeout}
	var boot time.Duration
	var rss int64
	for b.Loop() {
		res, err := Run(context.Background(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		boot += res.BootTime
		rss += res.MaxRSS
	}
	b.ReportMetric(float64(boot.Milliseconds())/float64(b.N), "boot-ms/op")
	b.ReportMetric(float64(rss)/float64(b.N)/(1<<20), "qemu-rss-MiB")
}
