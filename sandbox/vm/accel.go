package vm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/renameio/v2"
	"golang.org/x/sys/unix"
)

// probeBootTimeout bounds the KVM probe's boot. Under working KVM the guest
// is ready in well under a second; where nested KVM hangs, it never is.
var probeBootTimeout = 10 * time.Second

// AccelChoice is the remembered outcome of the KVM probe (<root>/vm/accel.json).
type AccelChoice struct {
	Accel Accel `json:"accel"`
	// Reason says why, in English words a student can read; Cause and
	// Detail say it as data, for a message in the student's language.
	Reason string     `json:"reason"`
	Cause  AccelCause `json:"cause,omitempty"`
	// Detail is the error that ruled KVM out, or how long the KVM probe
	// guest took to boot.
	Detail string `json:"detail,omitempty"`
	// HostKernel and QEMU are what the probe ran on; a change to either
	// makes the answer stale.
	HostKernel string    `json:"host_kernel"`
	QEMU       string    `json:"qemu"`
	ProbedAt   time.Time `json:"probed_at"`
}

// AccelCause is why the probe chose its accelerator.
type AccelCause string

// The probe's outcomes.
const (
	CauseNoKVM    AccelCause = "no-kvm"      // /dev/kvm cannot be opened
	CauseNotKVM   AccelCause = "not-kvm"     // /dev/kvm does not answer as KVM
	CauseNoBoot   AccelCause = "kvm-no-boot" // a KVM guest did not boot
	CauseKVMWorks AccelCause = "kvm-works"   // a KVM guest booted
)

// reasons are the English words of each cause, Detail in %s.
var reasons = map[AccelCause]string{
	CauseNoKVM:    "KVM is not available (%s); using software emulation (TCG)",
	CauseNotKVM:   "/dev/kvm does not answer as KVM (%s); using software emulation (TCG)",
	CauseNoBoot:   "a KVM guest did not boot (%s); using software emulation (TCG)",
	CauseKVMWorks: "KVM works (a probe guest booted in %s)",
}

// ChooseAccel returns the accelerator for cfg: KVM when a short probe boot
// under KVM works, TCG otherwise. The answer is remembered in
// <cfg.Dir>/accel.json until the host kernel or qemu changes.
func ChooseAccel(ctx context.Context, cfg Config) (AccelChoice, error) {
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return AccelChoice{}, fmt.Errorf("create %s: %w", cfg.Dir, err)
	}
	lock := flock.New(filepath.Join(cfg.Dir, "accel.lock"))
	if _, err := lock.TryLockContext(ctx, 50*time.Millisecond); err != nil {
		return AccelChoice{}, fmt.Errorf("lock accelerator probe: %w", err)
	}
	defer lock.Unlock()

	host := HostKernel()
	qemu := orDefault(cfg.QEMU, DefaultQEMU)
	path := filepath.Join(cfg.Dir, "accel.json")
	if c, err := ReadAccelChoice(cfg.Dir); err == nil && c.HostKernel == host && c.QEMU == qemu {
		return c, nil
	}
	c := AccelChoice{HostKernel: host, QEMU: qemu, ProbedAt: time.Now().UTC()}
	c.Accel, c.Cause, c.Detail = probeKVM(ctx, cfg)
	c.Reason = fmt.Sprintf(reasons[c.Cause], c.Detail)
	if err := ctx.Err(); err != nil {
		return AccelChoice{}, fmt.Errorf("probe kvm: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return AccelChoice{}, err
	}
	if err := renameio.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return AccelChoice{}, fmt.Errorf("remember accelerator: %w", err)
	}
	return c, nil
}

// ReadAccelChoice reads the remembered probe answer from dir (<root>/vm).
func ReadAccelChoice(dir string) (AccelChoice, error) {
	var c AccelChoice
	b, err := os.ReadFile(filepath.Join(dir, "accel.json"))
	if err != nil {
		return c, err
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, fmt.Errorf("read %s: %w", filepath.Join(dir, "accel.json"), err)
	}
	if c.Accel != AccelKVM && c.Accel != AccelTCG {
		return c, fmt.Errorf("read %s: unknown accelerator %q", filepath.Join(dir, "accel.json"), c.Accel)
	}
	return c, nil
}

// probeKVM opens /dev/kvm and, if the kernel answers, boots the real guest
// under KVM with `true` and a short timeout. On nested hosts /dev/kvm can
// exist and answer ioctls while guests hang, so only a boot proves it.
func probeKVM(ctx context.Context, cfg Config) (Accel, AccelCause, string) {
	f, err := os.OpenFile("/dev/kvm", os.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return AccelTCG, CauseNoKVM, fmt.Sprint(errors.Unwrap(err))
	}
	// KVM_GET_API_VERSION is _IO(0xAE, 0x00); every KVM since 2.6.22 says 12.
	version, err := unix.IoctlRetInt(int(f.Fd()), 0xAE00)
	f.Close()
	if err != nil || version != 12 {
		return AccelTCG, CauseNotKVM, fmt.Sprintf("api %d, %v", version, err)
	}
	probe := cfg
	probe.Accel, probe.Command, probe.TTY = AccelKVM, []string{"true"}, false
	probe.Stdin, probe.Stdout, probe.Log = nil, nil, nil
	probe.BootTimeout, probe.Timeout = probeBootTimeout, probeBootTimeout+5*time.Second
	res, err := Run(ctx, probe)
	if err != nil {
		return AccelTCG, CauseNoBoot, err.Error()
	}
	return AccelKVM, CauseKVMWorks, res.BootTime.Round(time.Millisecond).String()
}

// HostKernel returns the host's kernel release, as `uname -r` prints it.
func HostKernel() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}
