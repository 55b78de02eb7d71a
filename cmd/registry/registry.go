// Package registry is `dockyard registry start|stop|status`: a local OCI
// registry on loopback for the push/pull lesson (sandbox/registry).
package registry

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/cmd/learn"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/sandbox/registry"
)

// NewCmdRegistry returns `dockyard registry` and its subcommands.
func NewCmdRegistry(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Run a local image registry for push and pull",
		Long: `Run a local OCI image registry on loopback, with its data kept under the
state root, so "docker push localhost:5000/name:tag" and "docker pull" back
work without the internet.`,
		Args: cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.AddCommand(NewCmdStart(f, nil), NewCmdStop(f, nil), NewCmdStatus(f, nil), newCmdServe(f))
	return cmd
}

// StartOptions are the parsed flags of `registry start`.
type StartOptions struct {
	IO   *iostreams.IOStreams
	Root string
	// Lang is the student's language, for what the command says.
	Lang string
	Addr string
	// Executable is this program, re-run as the server process.
	Executable func() (string, error)
}

// NewCmdStart returns `dockyard registry start`.
func NewCmdStart(f *factory.Factory, runF func(*StartOptions) error) *cobra.Command {
	opts := &StartOptions{IO: f.IOStreams, Executable: os.Executable}
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the local registry in the background",
		Example: `  dockyard registry start
  docker tag busybox localhost:5000/busybox:lesson
  docker push localhost:5000/busybox:lesson`,
		Args: cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Root = f.Root
			lang, err := (&learn.Common{Factory: f}).Lang()
			if err != nil {
				return &factory.FlagError{Err: err}
			}
			opts.Lang = lang
			if runF != nil {
				return runF(opts)
			}
			return startRun(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", registry.DefaultAddr, "address to listen on (host:port)")
	return cmd
}

func startRun(ctx context.Context, opts *StartOptions) error {
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return fmt.Errorf("state root %s: %w", opts.Root, err)
	}
	opts.Root = root
	exe, err := opts.Executable()
	if err != nil {
		return fmt.Errorf("find dockyard's executable: %w", err)
	}
	st, err := registry.Start(ctx, registry.StartOptions{
		Root:    opts.Root,
		Addr:    opts.Addr,
		Command: []string{exe, "--root", opts.Root, "registry", "serve"},
	})
	t := i18n.For(opts.Lang)
	var already *registry.AlreadyRunningError
	var inUse *registry.AddrInUseError
	switch {
	case errors.As(err, &already):
		fmt.Fprintln(opts.IO.Out, t.T("registry.already", st.Addr, st.PID))
		return nil
	case errors.As(err, &inUse):
		return errors.New(t.T("registry.error.in-use", inUse.Addr))
	case err != nil:
		return err
	}
	fmt.Fprintln(opts.IO.Out, t.T("registry.started", st.Addr, st.PID, registry.Dir(opts.Root)))
	return nil
}

// StopOptions are the parsed flags of `registry stop`.
type StopOptions struct {
	IO   *iostreams.IOStreams
	Root string
	// Lang is the student's language, for what the command says.
	Lang string
}

// NewCmdStop returns `dockyard registry stop`.
func NewCmdStop(f *factory.Factory, runF func(*StopOptions) error) *cobra.Command {
	opts := &StopOptions{IO: f.IOStreams}
	return &cobra.Command{
		Use:   "stop",
		Short: "Stop the local registry (what was pushed stays on disk)",
		Args:  cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Root = f.Root
			lang, err := (&learn.Common{Factory: f}).Lang()
			if err != nil {
				return &factory.FlagError{Err: err}
			}
			opts.Lang = lang
			if runF != nil {
				return runF(opts)
			}
			return stopRun(c.Context(), opts)
		},
	}
}

func stopRun(ctx context.Context, opts *StopOptions) error {
	t := i18n.For(opts.Lang)
	st, err := registry.Stop(ctx, opts.Root)
	if errors.Is(err, registry.ErrNotRunning) {
		return errors.New(t.T("registry.error.not-running"))
	}
	if err != nil {
		return err
	}
	fmt.Fprintln(opts.IO.Out, t.T("registry.stopped", st.Addr))
	return nil
}

// StatusOptions are the parsed flags of `registry status`.
type StatusOptions struct {
	IO   *iostreams.IOStreams
	Root string
	// Lang is the student's language, for what the command says.
	Lang string
}

// NewCmdStatus returns `dockyard registry status`.
func NewCmdStatus(f *factory.Factory, runF func(*StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{IO: f.IOStreams}
	return &cobra.Command{
		Use:   "status",
		Short: "Say whether the local registry is running, and where",
		Args:  cli.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			opts.Root = f.Root
			lang, err := (&learn.Common{Factory: f}).Lang()
			if err != nil {
				return &factory.FlagError{Err: err}
			}
			opts.Lang = lang
			if runF != nil {
				return runF(opts)
			}
			return statusRun(opts)
		},
	}
}

func statusRun(opts *StatusOptions) error {
	st, err := registry.Status(opts.Root)
	if err != nil {
		return err
	}
	t := i18n.For(opts.Lang)
	if st == nil {
		fmt.Fprintln(opts.IO.Out, t.T("registry.not-running"))
		return &factory.StatusError{Code: 3}
	}
	fmt.Fprintln(opts.IO.Out, t.T("registry.running", st.Addr, st.PID, st.Started.Format("15:04:05 MST")))
	return nil
}

// newCmdServe is the server process that `registry start` runs in the
// background with the listening socket as file descriptor 3.
func newCmdServe(f *factory.Factory) *cobra.Command {
	return &cobra.Command{
		Use:    "serve",
		Short:  "Serve the registry in the foreground (run by registry start)",
		Hidden: true,
		Args:   cli.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return registry.ServeInherited(ctx, f.Root, log.New(f.IOStreams.ErrOut, "registry: ", log.LstdFlags))
		},
	}
}
