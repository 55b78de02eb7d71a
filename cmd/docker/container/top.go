package container

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// NewCmdTop returns `docker top`: the host's `ps -ef` rows of the
// container's processes, in docker/cli's table.
func NewCmdTop(f *factory.Factory, runF func(ref string, psArgs []string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "top CONTAINER [ps OPTIONS]",
		Short: "Display the running processes of a container",
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(args[0], args[1:])
			}
			e, err := f.Engine(cmd.Context())
			if err != nil {
				return err
			}
			top, err := e.Top(cmd.Context(), args[0], args[1:])
			if err != nil {
				return cli.DaemonError(err)
			}
			w := tabwriter.NewWriter(f.IOStreams.Out, 20, 1, 3, ' ', 0)
			fmt.Fprintln(w, strings.Join(top.Titles, "\t"))
			for _, p := range top.Processes {
				fmt.Fprintln(w, strings.Join(p, "\t"))
			}
			return w.Flush()
		},
	}
}
