package network

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// PortOptions are `docker port` arguments.
type PortOptions struct {
	IO        *iostreams.IOStreams
	Factory   *factory.Factory
	Container string
	Port      string // "80" or "80/tcp"; empty lists all
}

// NewCmdPort returns `docker port CONTAINER [PRIVATE_PORT[/PROTO]]`.
func NewCmdPort(f *factory.Factory, runF func(*PortOptions) error) *cobra.Command {
	opts := &PortOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "port CONTAINER [PRIVATE_PORT[/PROTO]]",
		Short: "List port mappings or a specific mapping for the container",
		Args:  cli.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Container = args[0]
			if len(args) == 2 {
				opts.Port = args[1]
			}
			if runF != nil {
				return runF(opts)
			}
			return portRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func portRun(ctx context.Context, opts *PortOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	published, err := e.PublishedPorts(opts.Container)
	if err != nil {
		return cli.DaemonError(err)
	}
	ports := sortedPorts(published)
	if opts.Port == "" {
		for _, p := range ports {
			fmt.Fprintf(opts.IO.Out, "%s -> %s\n", p.Key(), p.HostAddr())
		}
		return nil
	}
	port, err := engine.ParsePort(opts.Port)
	if err != nil {
		return fmt.Errorf("Error: invalid port %q: give a port number such as 80 or 80/tcp", opts.Port)
	}
	found := false
	for _, p := range ports {
		if p.Port() == port {
			fmt.Fprintln(opts.IO.Out, p.HostAddr())
			found = true
		}
	}
	if !found {
		// Docker's CLI names the port as it was typed.
		return errors.New("Error: No public port '" + opts.Port + "' published for " + opts.Container)
	}
	return nil
}
