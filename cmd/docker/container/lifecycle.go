package container

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// StartOptions are `docker start` flags.
type StartOptions struct {
	IO          *iostreams.IOStreams
	Factory     *factory.Factory
	Attach      bool
	Interactive bool
	Refs        []string
}

// NewCmdStart returns `docker start`.
func NewCmdStart(f *factory.Factory, runF func(*StartOptions) error) *cobra.Command {
	opts := &StartOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "start [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Start one or more stopped containers",
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Refs = args
			if (opts.Attach || opts.Interactive) && len(args) > 1 {
				return &factory.StatusError{Code: 1, Message: "you cannot start and attach multiple containers at once"}
			}
			if runF != nil {
				return runF(opts)
			}
			return startRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Attach, "attach", "a", false, "Attach STDOUT/STDERR and forward signals")
	cmd.Flags().BoolVarP(&opts.Interactive, "interactive", "i", false, "Attach container's STDIN")
	return cmd
}

func startRun(ctx context.Context, opts *StartOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	if opts.Attach || opts.Interactive {
		c, err := e.Container(opts.Refs[0])
		if err != nil {
			return cli.DaemonError(err)
		}
		so := engine.StartOptions{Attach: true}
		if c.Spec.Config.Tty {
			so.TTYCols, so.TTYRows = termSize(opts.IO)
		}
		a, err := e.StartContainer(ctx, c.ID, so)
		if err != nil {
			return startError(err)
		}
		if a == nil {
			return &factory.StatusError{Code: 1, Message: cli.DaemonPrefix + fmt.Sprintf("container %s is already running", opts.Refs[0])}
		}
		code, err := stream(ctx, e, c, a, opts.IO, opts.Interactive && c.Spec.Config.OpenStdin)
		if err != nil {
			return cli.DaemonError(err)
		}
		if code != 0 {
			return &factory.StatusError{Code: code}
		}
		return nil
	}
	// Docker's start reports each failure, then names them all.
	var failed []string
	for _, ref := range opts.Refs {
		if _, err := e.StartContainer(ctx, ref, engine.StartOptions{}); err != nil {
			fmt.Fprintln(opts.IO.ErrOut, startError(err))
			failed = append(failed, ref)
			continue
		}
		fmt.Fprintln(opts.IO.Out, ref)
	}
	if len(failed) > 0 {
		return &factory.StatusError{Code: 1, Message: "Error: failed to start containers: " + strings.Join(failed, ", ")}
	}
	return nil
}

func startError(err error) error {
	var se *engine.StartError
	if errors.As(err, &se) {
		return &factory.StatusError{Code: se.Code, Message: cli.DaemonPrefix + se.DaemonMessage()}
	}
	return cli.DaemonError(err)
}

// StopOptions are `docker stop` and `docker restart` flags.
type StopOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Timeout int
	Refs    []string
}

// NewCmdStop returns `docker stop`.
func NewCmdStop(f *factory.Factory, runF func(*StopOptions) error) *cobra.Command {
	opts := &StopOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "stop [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Stop one or more running containers",
		Long:  "Stop sends the stop signal (SIGTERM unless the image says otherwise), waits --timeout seconds, then SIGKILL.",
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Refs = args
			if runF != nil {
				return runF(opts)
			}
			return stopRun(cmd.Context(), opts)
		},
	}
	timeoutFlags(cmd, &opts.Timeout)
	return cmd
}

func stopRun(ctx context.Context, opts *StopOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	return cli.ForEachThenErrors(opts.IO, opts.Refs, nil, func(ref string) error {
		return e.StopContainer(ctx, ref, engine.StopTimeout(opts.Timeout))
	})
}

// NewCmdRestart returns `docker restart`.
func NewCmdRestart(f *factory.Factory, runF func(*StopOptions) error) *cobra.Command {
	opts := &StopOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "restart [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Restart one or more containers",
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Refs = args
			if runF != nil {
				return runF(opts)
			}
			ctx := cmd.Context()
			e, err := opts.Factory.Engine(ctx)
			if err != nil {
				return err
			}
			return cli.ForEachThenErrors(opts.IO, opts.Refs, nil, func(ref string) error {
				return e.RestartContainer(ctx, ref, opts.Timeout, nil)
			})
		},
	}
	timeoutFlags(cmd, &opts.Timeout)
	return cmd
}

// timeoutFlags are stop's and restart's -t, --timeout, and the --time
// Docker 28 keeps as deprecated (cli/command/container/stop.go).
func timeoutFlags(cmd *cobra.Command, timeout *int) {
	cmd.Flags().IntVarP(timeout, "timeout", "t", 10, "Seconds to wait before killing the container")
	cmd.Flags().IntVar(timeout, "time", 10, "Seconds to wait before killing the container (deprecated: use --timeout)")
	_ = cmd.Flags().MarkDeprecated("time", "use --timeout instead")
}

// KillOptions are `docker kill` flags.
type KillOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Signal  string
	Refs    []string
}

// NewCmdKill returns `docker kill`.
func NewCmdKill(f *factory.Factory, runF func(*KillOptions) error) *cobra.Command {
	opts := &KillOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "kill [OPTIONS] CONTAINER [CONTAINER...]",
		Short: "Kill one or more running containers",
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Refs = args
			if _, err := engine.ParseSignal(opts.Signal); err != nil {
				return &factory.StatusError{Code: 1, Message: err.Error()}
			}
			if runF != nil {
				return runF(opts)
			}
			ctx := cmd.Context()
			e, err := opts.Factory.Engine(ctx)
			if err != nil {
				return err
			}
			sig, _ := engine.ParseSignal(opts.Signal)
			return cli.ForEachThenErrors(opts.IO, opts.Refs, nil, func(ref string) error {
				return e.KillContainer(ctx, ref, sig)
			})
		},
	}
	cmd.Flags().StringVarP(&opts.Signal, "signal", "s", "KILL", "Signal to send to the container")
	return cmd
}

// Remover is what docker rm asks of the engine (*engine.Engine, or a fake
// in tests).
type Remover interface {
	RemoveContainer(ctx context.Context, ref string, force, volumes bool) error
}

// RmOptions are `docker rm` flags.
type RmOptions struct {
	IO      *iostreams.IOStreams
	Engine  func(context.Context) (Remover, error)
	Force   bool
	Volumes bool
	Refs    []string
}

// NewCmdRm returns `docker rm`.
func NewCmdRm(f *factory.Factory, runF func(*RmOptions) error) *cobra.Command {
	opts := &RmOptions{IO: f.IOStreams, Engine: factory.EngineAs(f, func(e *engine.Engine) Remover { return e })}
	cmd := &cobra.Command{
		Use:     "rm [OPTIONS] CONTAINER [CONTAINER...]",
		Aliases: []string{"remove"},
		Short:   "Remove one or more containers",
		Args:    cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Refs = args
			if runF != nil {
				return runF(opts)
			}
			return rmRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "Force the removal of a running container (uses SIGKILL)")
	cmd.Flags().BoolVarP(&opts.Volumes, "volumes", "v", false, "Remove anonymous volumes associated with the container")
	return cmd
}

func rmRun(ctx context.Context, opts *RmOptions) error {
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	// rm -f of a container that is not there says so and fails nothing
	// (docker/cli's rm).
	var notFail func(error) bool
	if opts.Force {
		notFail = func(err error) bool { return engine.KindOf(err) == engine.NotFound }
	}
	return cli.ForEachThenErrors(opts.IO, opts.Refs, notFail, func(ref string) error {
		return e.RemoveContainer(ctx, ref, opts.Force, opts.Volumes)
	})
}

// NewCmdWait returns `docker wait`.
func NewCmdWait(f *factory.Factory, runF func([]string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "wait CONTAINER [CONTAINER...]",
		Short: "Block until one or more containers stop, then print their exit codes",
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(args)
			}
			ctx := cmd.Context()
			e, err := f.Engine(ctx)
			if err != nil {
				return err
			}
			failed := false
			for _, ref := range args {
				code, err := e.WaitContainer(ctx, ref)
				if err != nil {
					fmt.Fprintln(f.IOStreams.ErrOut, cli.DaemonError(err))
					failed = true
					continue
				}
				fmt.Fprintln(f.IOStreams.Out, code)
			}
			if failed {
				return &factory.StatusError{Code: 1}
			}
			return nil
		},
	}
}

// NewCmdRename returns `docker rename`.
func NewCmdRename(f *factory.Factory, runF func(old, new string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "rename CONTAINER NEW_NAME",
		Short: "Rename a container",
		Args:  cli.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(args[0], args[1])
			}
			e, err := f.Engine(cmd.Context())
			if err != nil {
				return err
			}
			if err := e.RenameContainer(cmd.Context(), args[0], args[1]); err != nil {
				// Docker's CLI adds a line of its own (container/rename.go).
				return &factory.StatusError{Code: 1, Message: cli.DaemonError(err).Error() +
					"\nError: failed to rename container named " + args[0]}
			}
			return nil
		},
	}
}

// PruneOptions are `docker container prune` flags.
type PruneOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Force   bool
	Filters []string
}

// NewCmdPrune returns `docker container prune`.
func NewCmdPrune(f *factory.Factory, runF func(*PruneOptions) error) *cobra.Command {
	opts := &PruneOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove all stopped containers",
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return pruneRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "Do not prompt for confirmation")
	cmd.Flags().StringArrayVar(&opts.Filters, "filter", nil, `Provide filter values (e.g. "until=<timestamp>", "label=<key>=<value>")`)
	return cmd
}

func pruneRun(ctx context.Context, opts *PruneOptions) error {
	ios := opts.IO
	filters, err := engine.ParseFilters(opts.Filters)
	if err != nil {
		return &factory.FlagError{Err: err}
	}
	if !opts.Force {
		fmt.Fprint(ios.Out, "WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ")
		line, _ := bufio.NewReader(ios.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return nil
		}
	}
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	deleted, err := e.PruneContainers(ctx, filters)
	if err != nil && engine.KindOf(err) == engine.InvalidArgument {
		return cli.EngineError(err)
	}
	if err != nil {
		fmt.Fprintln(ios.ErrOut, cli.DaemonError(err))
	}
	if len(deleted) > 0 {
		fmt.Fprintln(ios.Out, "Deleted Containers:")
		for _, id := range deleted {
			fmt.Fprintln(ios.Out, id)
		}
		fmt.Fprintln(ios.Out)
	}
	fmt.Fprintln(ios.Out, "Total reclaimed space: 0B")
	return nil
}
