package container

import (
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// LogsOptions are `docker logs` flags.
type LogsOptions struct {
	IO         *iostreams.IOStreams
	Factory    *factory.Factory
	Follow     bool
	Tail       string
	Timestamps bool
	Ref        string
}

// NewCmdLogs returns `docker logs`.
func NewCmdLogs(f *factory.Factory, runF func(*LogsOptions) error) *cobra.Command {
	opts := &LogsOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "logs [OPTIONS] CONTAINER",
		Short: "Fetch the logs of a container",
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(opts)
			}
			ctx := cmd.Context()
			e, err := opts.Factory.Engine(ctx)
			if err != nil {
				return err
			}
			err = e.ContainerLogs(ctx, opts.Ref, engine.LogOptions{Follow: opts.Follow, Tail: engine.ParseTail(opts.Tail), Timestamps: opts.Timestamps}, opts.IO.Out, opts.IO.ErrOut)
			if err != nil {
				return cli.DaemonError(err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&opts.Follow, "follow", "f", false, "Follow log output")
	cmd.Flags().StringVarP(&opts.Tail, "tail", "n", "all", "Number of lines to show from the end of the logs")
	cmd.Flags().BoolVarP(&opts.Timestamps, "timestamps", "t", false, "Show timestamps")
	return cmd
}
