package vm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Defaults for a Config's zero values.
const (
	DefaultMemoryMB    = 128
	DefaultBootTimeout = 60 * time.Second
)

// powerOffGrace is how long qemu may take to exit after the guest reported
// its exit code before it is killed (a variable so tests can shorten it).
var powerOffGrace = 10 * time.Second

// Config describes one VM run.
type Config struct {
	// Dir is the VM state directory (<root>/vm): the initramfs cache and the
	// remembered accelerator live there.
	Dir string
	// Kernel is the kernel image; empty means FindKernel's default.
	Kernel string
	// Busybox is a statically linked busybox; empty means DefaultBusybox.
	Busybox string
	// Init replaces the guest's /init script (tests use it to build a guest
	// that never powers off); empty means InitScript().
	Init string
	// QEMU is the emulator binary; empty means DefaultQEMU.
	QEMU string

	// Command runs in the guest through sh -c; empty means an interactive
	// shell on the console.
	Command []string
	// TTY says the console is a terminal a person types into: the guest
	// keeps CR-LF line ends and a shell gets a controlling terminal.
	TTY bool
	// MemoryMB is the guest's RAM; 0 means DefaultMemoryMB.
	MemoryMB int
	// Accel picks the accelerator; AccelAuto probes KVM once per state root.
	Accel Accel

	// BootTimeout bounds the time until the guest's init reports ready;
	// 0 means DefaultBootTimeout.
	BootTimeout time.Duration
	// Timeout bounds the whole run, boot included; 0 means no limit beyond
	// the boot timeout and ctx.
	Timeout time.Duration

	// Stdin feeds the guest's console; nil means no input. Pass the
	// terminal's *os.File for an interactive session.
	Stdin io.Reader
	// Stdout receives the command's output.
	Stdout io.Writer
	// Log receives the kernel's and init's console messages around the
	// command; nil drops them.
	Log io.Writer
	// BootMessages makes the kernel print its boot messages (to Log), not
	// only its errors.
	BootMessages bool
}

// Result is what one run measured.
type Result struct {
	// ExitCode is the guest command's exit code.
	ExitCode int
	// Ready is what the guest reported about itself.
	Ready Ready
	// Kernel is the host-side kernel image that was booted.
	Kernel Kernel
	// Accel is the accelerator that ran the guest.
	Accel Accel
	// BootTime is from starting qemu to the guest's init reporting ready.
	BootTime time.Duration
	// FirstOutput is from starting qemu to the command's first output byte
	// (0 when it printed nothing).
	FirstOutput time.Duration
	// Wall is from starting qemu to qemu's exit.
	Wall time.Duration
	// MaxRSS is qemu's peak resident memory on the host, in bytes.
	MaxRSS int64
	// PoweredOff says the guest powered the machine off by itself (rather
	// than being killed after reporting its exit code).
	PoweredOff bool
	// InitramfsSize is the initramfs image's size in bytes.
	InitramfsSize int64
}

// TimeoutError reports a guest that was killed because it took too long.
type TimeoutError struct {
	// Phase is "boot" (init never reported ready) or "run" (the whole run
	// exceeded Config.Timeout).
	Phase string
	After time.Duration
	Accel Accel
	// Tail is the end of the console log, for diagnosis.
	Tail string
}

func (e *TimeoutError) Error() string {
	if e.Phase == "boot" {
		return fmt.Sprintf("vm did not finish booting within %s under %s: killed qemu", e.After, e.Accel)
	}
	return fmt.Sprintf("vm did not power off within %s: killed qemu", e.After)
}

// ErrNoExitCode means qemu ended without the guest reporting an exit code:
// the guest crashed, panicked or powered off on its own.
var ErrNoExitCode = errors.New("vm stopped without reporting an exit code")

// Run boots a VM, runs cfg.Command in it and returns once qemu has exited.
// The guest command's exit code is in the Result; err is about the VM itself
// (no kernel, qemu failed, a timeout). A guest that overruns a timeout is
// killed.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	p, err := prepare(ctx, cfg)
	if err != nil {
		return nil, err
	}
	spec := p.spec
	spec.serial = []string{"-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con"}
	args, err := spec.args()
	if err != nil {
		return nil, err
	}

	res := &Result{Kernel: p.kernel, Accel: spec.accel, InitramfsSize: p.initramfsSize}
	var (
		mu      sync.Mutex
		start   time.Time
		readyCh = make(chan struct{})
		exitCh  = make(chan struct{})
	)
	console := &Console{
		Output: cfg.Stdout,
		Log:    cfg.Log,
		OnReady: func(r Ready) {
			mu.Lock()
			res.Ready, res.BootTime = r, time.Since(start)
			mu.Unlock()
			close(readyCh)
		},
		OnFirstOutput: func() {
			mu.Lock()
			res.FirstOutput = time.Since(start)
			mu.Unlock()
		},
		OnExit: func(code int) {
			mu.Lock()
			res.ExitCode = code
			mu.Unlock()
			close(exitCh)
		},
	}

	var stderr bytes.Buffer
	cmd := exec.Command(p.qemu, args...)
	cmd.Stdin = cfg.Stdin
	cmd.Stdout = console
	cmd.Stderr = &limitedBuffer{buf: &stderr, max: 4096}
	// qemu dies with us, so a killed dockyard leaves no guest behind.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second

	mu.Lock()
	start = time.Now()
	err = cmd.Start()
	mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("start qemu (install qemu-system-x86): %w", err)
	}
	waitCh := make(chan error, 1)
	go func() { waitCh <- cmd.Wait() }()

	bootTimeout := orDefault(cfg.BootTimeout, DefaultBootTimeout)
	bootTimer := time.NewTimer(bootTimeout)
	defer bootTimer.Stop()
	var runTimer, graceTimer <-chan time.Time
	if cfg.Timeout > 0 {
		t := time.NewTimer(cfg.Timeout)
		defer t.Stop()
		runTimer = t.C
	}
	kill := func() error {
		_ = cmd.Process.Kill()
		return <-waitCh
	}
	var (
		waitErr  error
		killed   bool
		reported bool
	)
loop:
	for {
		select {
		case <-readyCh:
			bootTimer.Stop()
			readyCh = nil
		case <-exitCh:
			reported = true
			exitCh = nil
			graceTimer = time.After(powerOffGrace)
		case <-graceTimer:
			waitErr, killed = kill(), true
			break loop
		case <-bootTimer.C:
			kill()
			return nil, &TimeoutError{Phase: "boot", After: bootTimeout, Accel: spec.accel, Tail: console.Tail()}
		case <-runTimer:
			kill()
			return nil, &TimeoutError{Phase: "run", After: cfg.Timeout, Accel: spec.accel, Tail: console.Tail()}
		case <-ctx.Done():
			kill()
			return nil, fmt.Errorf("vm run: %w", ctx.Err())
		case waitErr = <-waitCh:
			break loop
		}
	}
	res.Wall = time.Since(start)
	_ = console.Flush()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.MaxRSS = ru.Maxrss * 1024 // Linux reports kilobytes
	}
	select {
	case <-exitCh:
		reported = true
	default:
	}
	mu.Lock()
	defer mu.Unlock()
	if !reported {
		if waitErr != nil && !killed {
			return nil, fmt.Errorf("qemu failed: %s", firstLine(stderr.String(), waitErr.Error()))
		}
		return nil, fmt.Errorf("%w (last console output: %s)", ErrNoExitCode, lastLine(console.Tail()))
	}
	res.PoweredOff = !killed
	return res, nil
}

// prepared is what every boot needs: the kernel, the initramfs, the
// accelerator and qemu.
type prepared struct {
	spec          bootSpec
	kernel        Kernel
	qemu          string
	initramfsSize int64
}

func prepare(ctx context.Context, cfg Config) (*prepared, error) {
	if cfg.Dir == "" {
		return nil, errors.New("vm: no state directory given")
	}
	k, err := FindKernel(cfg.Kernel)
	if err != nil {
		return nil, err
	}
	qemu, err := exec.LookPath(orDefault(cfg.QEMU, DefaultQEMU))
	if err != nil {
		return nil, fmt.Errorf("qemu not found (install qemu-system-x86): %w", err)
	}
	initrd, err := Initramfs(filepath.Join(cfg.Dir, "initramfs"), orDefault(cfg.Busybox, DefaultBusybox), orDefault(cfg.Init, initScript))
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(initrd)
	if err != nil {
		return nil, fmt.Errorf("initramfs: %w", err)
	}
	spec := bootSpec{
		kernel: k.Path, initrd: initrd,
		memoryMB:     orDefault(cfg.MemoryMB, DefaultMemoryMB),
		command:      cfg.Command,
		interactive:  cfg.TTY,
		accel:        cfg.Accel,
		bootMessages: cfg.BootMessages,
	}
	if spec.accel == AccelAuto {
		choice, err := ChooseAccel(ctx, cfg)
		if err != nil {
			return nil, err
		}
		spec.accel = choice.Accel
	}
	return &prepared{spec: spec, kernel: k, qemu: qemu, initramfsSize: st.Size()}, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// limitedBuffer keeps the first max bytes written to it and drops the rest.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func firstLine(s, fallback string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return fallback
	}
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return "none"
	}
	return strings.TrimSpace(s[strings.LastIndex(s, "\n")+1:])
}
