package vm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/cmd/learn"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/sandbox/vm"
)

// Guest memory bounds: below 64 MiB the cloud kernel cannot unpack its
// initramfs; above 4 GiB a teaching VM has no use for it.
const (
	minMemoryMB = 64
	maxMemoryMB = 4096
)

// RunOptions are the parsed flags of `vm run`.
type RunOptions struct {
	IO   *iostreams.IOStreams
	Root string
	// Lang is the student's language and Width the terminal's, for what
	// vm run says on stderr around the VM's own output.
	Lang  string
	Width int

	Command     []string
	Memory      string
	Detach      bool
	Accel       string
	Timeout     time.Duration
	BootTimeout time.Duration
	// Kernel overrides the kernel image (default: the one .ci/setup fetched).
	Kernel string
	// Verbose shows the kernel's console messages around the command.
	Verbose bool
}

// NewCmdRun returns `dockyard vm run`.
func NewCmdRun(f *factory.Factory, runF func(*RunOptions) error) *cobra.Command {
	opts := &RunOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "run [flags] [-- command [arg...]]",
		Short: "Boot a VM, run a command in it and power it off",
		Long: `Boot a tiny VM (Debian's cloud kernel, a busybox initramfs), run the command
in it and power it off. Without a command you get a shell on the VM's serial
console; exit it to power off. The VM's kernel, memory and boot time are
reported on stderr, and its command's exit code is dockyard's.

KVM is used when it works on this machine; otherwise qemu emulates the CPU in
software (TCG), which is slower. The choice is probed once and remembered.`,
		Example: `  dockyard vm run -- uname -r
  dockyard vm run --memory 256M -- cat /proc/meminfo
  dockyard vm run -d
  dockyard vm run`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Root = f.Root
			opts.Command = args
			lang, err := (&learn.Common{Factory: f}).Lang()
			if err != nil {
				return &factory.FlagError{Err: err}
			}
			opts.Lang, opts.Width = lang, width(opts.IO.ErrOut)
			if runF != nil {
				return runF(opts)
			}
			return runRun(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Memory, "memory", "m", "128M", "guest memory (e.g. 128M, 1G)")
	fl.BoolVarP(&opts.Detach, "detach", "d", false, "keep the VM running in the background and print its id")
	fl.StringVar(&opts.Accel, "accel", "auto", `accelerator: "auto" (KVM if it works, else TCG), "kvm" or "tcg"`)
	fl.DurationVar(&opts.Timeout, "timeout", 2*time.Minute, "kill the VM if the command has not finished by then (0: no limit; a shell never has one)")
	fl.DurationVar(&opts.BootTimeout, "boot-timeout", vm.DefaultBootTimeout, "kill the VM if it has not booted by then")
	fl.StringVar(&opts.Kernel, "kernel", "", "kernel image to boot (default "+vm.DefaultKernel+")")
	fl.BoolVarP(&opts.Verbose, "verbose", "v", false, "show the kernel's boot messages (on stderr)")
	return cmd
}

// memoryMB parses --memory as Docker parses -m.
func memoryMB(t *i18n.Printer, s string) (int, error) {
	b, err := units.RAMInBytes(s)
	if err != nil {
		return 0, errors.New(t.T("vm.error.memory", s))
	}
	mb := b >> 20
	if mb < minMemoryMB || mb > maxMemoryMB {
		return 0, errors.New(t.T("vm.error.memory-range", s, minMemoryMB, maxMemoryMB))
	}
	return int(mb), nil
}

func runRun(ctx context.Context, opts *RunOptions) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	say := newTeller(opts)
	mem, err := memoryMB(say.t, opts.Memory)
	if err != nil {
		return &factory.FlagError{Err: err}
	}
	accel, err := vm.ParseAccel(opts.Accel)
	if err != nil {
		return &factory.FlagError{Err: err}
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return fmt.Errorf("state root %s: %w", opts.Root, err)
	}
	cfg := vm.Config{
		Dir:         vm.Dir(root),
		Kernel:      opts.Kernel,
		Command:     opts.Command,
		MemoryMB:    mem,
		Accel:       accel,
		BootTimeout: opts.BootTimeout,
		Timeout:     opts.Timeout,
		Stdout:      opts.IO.Out,
	}
	if opts.Verbose {
		cfg.Log, cfg.BootMessages = opts.IO.ErrOut, true
	}
	if len(opts.Command) == 0 && !opts.Detach {
		in, ok := opts.IO.In.(*os.File)
		if !ok || !opts.IO.IsStdinTTY() {
			return &factory.FlagError{Err: errors.New(say.t.T("vm.error.no-command"))}
		}
		cfg.Stdin, cfg.TTY, cfg.Timeout = in, true, 0
	}

	k, err := vm.FindKernel(cfg.Kernel)
	if err != nil {
		return err
	}
	if cfg.Accel == vm.AccelAuto {
		if _, err := vm.ReadAccelChoice(cfg.Dir); err != nil {
			say.say("vm.accel.checking", filepath.Join(cfg.Dir, "accel.json"))
		}
		choice, err := vm.ChooseAccel(ctx, cfg)
		if err != nil {
			return err
		}
		cfg.Accel = choice.Accel
		say.say("vm.accel.chosen", choice.Accel, say.reason(choice))
	} else {
		say.say("vm.accel.flag", cfg.Accel)
	}
	release := k.Release
	if strings.TrimSpace(release) == "" {
		release = say.t.T("vm.unknown-release")
	}
	say.say("vm.booting", release, mem)
	if cfg.TTY {
		say.say("vm.shell")
	}

	if opts.Detach {
		return runDetached(ctx, opts, cfg, say)
	}

	if cfg.TTY {
		// qemu puts the terminal in raw mode; make sure it comes back even
		// when qemu is killed.
		if st, err := term.GetState(int(cfg.Stdin.(*os.File).Fd())); err == nil {
			defer term.Restore(int(cfg.Stdin.(*os.File).Fd()), st)
		}
	}
	res, err := vm.Run(ctx, cfg)
	if err != nil {
		var te *vm.TimeoutError
		if errors.As(err, &te) && te.Tail != "" && opts.Verbose {
			say.say("vm.console-tail")
			fmt.Fprintln(opts.IO.ErrOut, te.Tail)
		}
		return err
	}
	rec := vm.NewLastRun(opts.Command, res.Accel, res.Ready, res.BootTime)
	rec.ExitCode = &res.ExitCode
	if err := vm.RecordLastRun(cfg.Dir, rec); err != nil {
		return err
	}
	say.summary(res, rec.HostKernel)
	if res.ExitCode != 0 {
		return &factory.StatusError{Code: res.ExitCode}
	}
	return nil
}

func runDetached(ctx context.Context, opts *RunOptions, cfg vm.Config, say teller) error {
	inst, err := vm.Start(ctx, cfg)
	if err != nil {
		return err
	}
	rec := vm.NewLastRun(opts.Command, inst.Accel, inst.Ready, time.Duration(inst.BootMillis)*time.Millisecond)
	rec.Detached, rec.ID = true, inst.ID
	if err := vm.RecordLastRun(cfg.Dir, rec); err != nil {
		return err
	}
	say.say("vm.up", inst.ID, inst.Ready.Kernel, inst.Ready.MemTotalKB/1024, (time.Duration(inst.BootMillis) * time.Millisecond).Round(10*time.Millisecond), inst.Accel)
	fmt.Fprintln(opts.IO.Out, inst.ID)
	return nil
}
