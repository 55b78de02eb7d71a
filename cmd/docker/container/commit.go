package container

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// NewCmdCommit returns `docker commit`.
func NewCmdCommit(f *factory.Factory) *cobra.Command {
	var o engine.CommitOptions
	var changes []string
	var pause bool
	cmd := &cobra.Command{
		Use:   "commit [OPTIONS] CONTAINER [REPOSITORY[:TAG]]",
		Short: "Create a new image from a container's changes",
		Long: `Make a new image of the container's image plus what the container changed,
configured as the container runs. A Dockerfile and docker build do the same
in a way others can read and repeat.`,
		Args: cli.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(changes) > 0 {
				return &factory.FlagError{Err: fmt.Errorf("--change is not available in Dockyard: run the container with the settings you want (-e, -w, --entrypoint, a command) and commit it, or write a Dockerfile")}
			}
			if len(args) == 2 {
				o.Ref = args[1]
			}
			e, err := f.Engine(cmd.Context())
			if err != nil {
				return err
			}
			id, err := e.Commit(cmd.Context(), args[0], o)
			if err != nil {
				return cli.DaemonError(err)
			}
			fmt.Fprintln(f.IOStreams.Out, id)
			return nil
		},
	}
	cmd.Flags().StringVarP(&o.Author, "author", "a", "", `Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")`)
	cmd.Flags().StringVarP(&o.Message, "message", "m", "", "Commit message")
	cmd.Flags().StringArrayVarP(&changes, "change", "c", nil, "Apply Dockerfile instruction to the created image (not available in Dockyard)")
	cmd.Flags().BoolVarP(&pause, "pause", "p", true, "Pause container during commit (Dockyard reads the changes without pausing)")
	return cmd
}
