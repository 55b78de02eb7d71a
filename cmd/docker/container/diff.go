package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// NewCmdDiff returns `docker diff`.
func NewCmdDiff(f *factory.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "diff CONTAINER",
		Short: "Inspect changes to files or directories on a container's filesystem",
		Long: `List what the container changed on top of its image: A for a file or
directory it added, C for one it changed, D for one it deleted.`,
		Args: cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			e, err := f.Engine(cmd.Context())
			if err != nil {
				return err
			}
			changes, err := e.ContainerChanges(args[0])
			if err != nil {
				return cli.DaemonError(err)
			}
			for _, c := range changes {
				fmt.Fprintf(f.IOStreams.Out, "%s %s\n", c.Kind, c.Path)
			}
			return nil
		},
	}
}
