package vm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/cmd/learn"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/sandbox/vm"
)

// LsOptions are the parsed flags of `vm ls`.
type LsOptions struct {
	IO    *iostreams.IOStreams
	Root  string
	Quiet bool
	// Now is the clock for the CREATED and STATUS columns.
	Now func() time.Time
}

// NewCmdLs returns `dockyard vm ls`.
func NewCmdLs(f *factory.Factory, runF func(*LsOptions) error) *cobra.Command {
	opts := &LsOptions{IO: f.IOStreams, Now: time.Now}
	cmd := &cobra.Command{
		Use:     "ls",
		Aliases: []string{"ps", "list"},
		Short:   "List VMs started with vm run -d",
		Args:    cli.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			opts.Root = f.Root
			if runF != nil {
				return runF(opts)
			}
			return lsRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "only show VM ids")
	return cmd
}

func lsRun(opts *LsOptions) error {
	states, err := vm.List(vm.Dir(opts.Root))
	if err != nil {
		return err
	}
	if opts.Quiet {
		for _, s := range states {
			fmt.Fprintln(opts.IO.Out, s.ID)
		}
		return nil
	}
	now := opts.Now()
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 0, 3, ' ', 0)
	fmt.Fprintln(tw, "VM ID\tCOMMAND\tCREATED\tSTATUS\tMEMORY\tKERNEL\tACCEL")
	for _, s := range states {
		status := s.Status()
		if status == "Up" {
			status = "Up " + units.HumanDuration(now.Sub(s.Created))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s ago\t%s\t%dM\t%s\t%s\n", s.ID, commandColumn(s.Command),
			units.HumanDuration(now.Sub(s.Created)), status, s.MemoryMB, s.Ready.Kernel, s.Accel)
	}
	return tw.Flush()
}

// commandColumn quotes and shortens a command as docker ps does.
func commandColumn(cmd []string) string {
	c := strings.Join(cmd, " ")
	if c == "" {
		c = "sh (console)"
	}
	if len(c) > 20 {
		c = c[:19] + "…"
	}
	return `"` + c + `"`
}

// StopOptions are the parsed flags of `vm stop`.
type StopOptions struct {
	IO      *iostreams.IOStreams
	Root    string
	IDs     []string
	Timeout time.Duration
	// Lang is the student's language, for the errors.
	Lang string
}

// NewCmdStop returns `dockyard vm stop`.
func NewCmdStop(f *factory.Factory, runF func(*StopOptions) error) *cobra.Command {
	opts := &StopOptions{IO: f.IOStreams}
	var seconds int
	cmd := &cobra.Command{
		Use:   "stop [flags] VM [VM...]",
		Short: "Stop running VMs (qemu quits; what ran in them is gone)",
		Args:  cli.MinArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Root, opts.IDs = f.Root, args
			lang, err := (&learn.Common{Factory: f}).Lang()
			if err != nil {
				return &factory.FlagError{Err: err}
			}
			opts.Lang = lang
			if seconds < 0 {
				return &factory.FlagError{Err: errors.New(i18n.For(lang).T("vm.error.time", seconds))}
			}
			opts.Timeout = time.Duration(seconds) * time.Second
			if runF != nil {
				return runF(opts)
			}
			return stopRun(c.Context(), opts)
		},
	}
	cmd.Flags().IntVarP(&seconds, "time", "t", 10, "seconds to wait for qemu to quit before killing it")
	return cmd
}

func stopRun(ctx context.Context, opts *StopOptions) error {
	dir := vm.Dir(opts.Root)
	var failed []string
	for _, id := range opts.IDs {
		if err := vm.Stop(ctx, dir, id, opts.Timeout); err != nil {
			t := i18n.For(opts.Lang)
			fmt.Fprintf(opts.IO.ErrOut, "%s%s\n", t.T("error.prefix"), vmError(t, id, err))
			failed = append(failed, id)
			continue
		}
		fmt.Fprintln(opts.IO.Out, id)
	}
	return failedError(failed)
}

// RmOptions are the parsed flags of `vm rm`.
type RmOptions struct {
	IO    *iostreams.IOStreams
	Root  string
	IDs   []string
	Force bool
	// Lang is the student's language, for the errors.
	Lang string
}

// NewCmdRm returns `dockyard vm rm`.
func NewCmdRm(f *factory.Factory, runF func(*RmOptions) error) *cobra.Command {
	opts := &RmOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "rm [flags] VM [VM...]",
		Short: "Remove stopped VMs",
		Args:  cli.MinArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Root, opts.IDs = f.Root, args
			lang, err := (&learn.Common{Factory: f}).Lang()
			if err != nil {
				return &factory.FlagError{Err: err}
			}
			opts.Lang = lang
			if runF != nil {
				return runF(opts)
			}
			return rmRun(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "kill a running VM first")
	return cmd
}

func rmRun(opts *RmOptions) error {
	dir := vm.Dir(opts.Root)
	var failed []string
	for _, id := range opts.IDs {
		if err := vm.Remove(dir, id, opts.Force); err != nil {
			t := i18n.For(opts.Lang)
			fmt.Fprintf(opts.IO.ErrOut, "%s%s\n", t.T("error.prefix"), vmError(t, id, err))
			failed = append(failed, id)
			continue
		}
		fmt.Fprintln(opts.IO.Out, id)
	}
	return failedError(failed)
}

// vmError says err, about the VM id, in the student's language: the
// refusals a student meets (no such VM, running, not running) have
// catalog entries; other errors stay as they are.
func vmError(t *i18n.Printer, id string, err error) error {
	var running *vm.RunningError
	var stopped *vm.NotRunningError
	switch {
	case errors.Is(err, vm.ErrNotFound):
		return errors.New(t.T("vm.error.no-such", id))
	case errors.As(err, &running):
		return errors.New(t.T("vm.error.running", running.ID, running.ID))
	case errors.As(err, &stopped):
		return errors.New(t.T("vm.error.not-running", stopped.ID))
	}
	return err
}

// failedError ends a command that went through several ids, as Docker's
// stop and rm do: each failure was printed, the exit code is 1.
func failedError(failed []string) error {
	if len(failed) == 0 {
		return nil
	}
	return &factory.StatusError{Code: 1}
}
