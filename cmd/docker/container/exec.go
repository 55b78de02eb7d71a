package container

import (
	"errors"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// ExecOptions are `docker exec` flags.
type ExecOptions struct {
	IO          *iostreams.IOStreams
	Factory     *factory.Factory
	Interactive bool
	Tty         bool
	Detach      bool
	Env         []string
	User        string
	Workdir     string
	Ref         string
	Cmd         []string
}

// NewCmdExec returns `docker exec`.
func NewCmdExec(f *factory.Factory, runF func(*ExecOptions) error) *cobra.Command {
	opts := &ExecOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "exec [OPTIONS] CONTAINER COMMAND [ARG...]",
		Short: "Execute a command in a running container",
		Args:  cli.MinArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref, opts.Cmd = args[0], args[1:]
			if runF != nil {
				return runF(opts)
			}
			return execRun(cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.SetInterspersed(false)
	fl.BoolVarP(&opts.Interactive, "interactive", "i", false, "Keep STDIN open even if not attached")
	fl.BoolVarP(&opts.Tty, "tty", "t", false, "Allocate a pseudo-TTY")
	fl.BoolVarP(&opts.Detach, "detach", "d", false, "Detached mode: run command in the background")
	fl.VarP((*envList)(&opts.Env), "env", "e", "Set environment variables")
	fl.StringVarP(&opts.User, "user", "u", "", "Username or UID (format: <name|uid>[:<group|gid>])")
	fl.StringVarP(&opts.Workdir, "workdir", "w", "", "Working directory inside the container")
	return cmd
}

func execRun(cmd *cobra.Command, opts *ExecOptions) error {
	ctx := cmd.Context()
	ios := opts.IO
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	// A container that does not exist is named before a missing terminal,
	// as docker/cli's RunExec inspects it before its TTY check.
	if _, err := e.Container(opts.Ref); err != nil {
		return &factory.StatusError{Code: 1, Message: cli.DaemonError(err).Error()}
	}
	if opts.Tty && opts.Interactive && !opts.Detach && !ios.IsStdinTTY() {
		return &factory.StatusError{Code: 1, Message: "the input device is not a TTY"}
	}
	eo := engine.ExecOptions{
		Cmd: opts.Cmd, Env: opts.Env, User: opts.User, WorkingDir: opts.Workdir,
		Tty: opts.Tty, Detach: opts.Detach, Stdout: ios.Out, Stderr: ios.ErrOut,
	}
	if opts.Interactive {
		eo.Stdin = ios.In
	}
	if opts.Tty {
		eo.TTYCols, eo.TTYRows = termSize(ios)
		eo.OnTTY = func(master *os.File) {
			restore := func() {}
			if opts.Interactive {
				restore = makeRaw(ios)
				go func() { _, _ = io.Copy(master, ios.In) }()
			}
			defer restore()
			stop := watchResize(ios, ttyResizer{master})
			defer stop()
			_, _ = io.Copy(ios.Out, master)
		}
	}
	code, err := e.ExecContainer(ctx, opts.Ref, eo)
	if err != nil {
		var se *engine.StartError
		if errors.As(err, &se) {
			return &factory.StatusError{Code: se.Code, Message: "OCI runtime exec failed: " + se.Msg}
		}
		return &factory.StatusError{Code: 1, Message: cli.DaemonError(err).Error()}
	}
	if code != 0 {
		return &factory.StatusError{Code: code}
	}
	return nil
}
