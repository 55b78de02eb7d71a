package image

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

// PruneOptions are docker image prune's flags.
type PruneOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory

	All   bool
	Force bool
}

// NewCmdPrune returns `docker image prune`.
func NewCmdPrune(f *factory.Factory, runF func(*PruneOptions) error) *cobra.Command {
	opts := &PruneOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove unused images",
		Args:  cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return pruneRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.All, "all", "a", false, "remove all unused images, not just dangling ones")
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "do not prompt for confirmation")
	return cmd
}

func pruneRun(ctx context.Context, opts *PruneOptions) error {
	if !opts.Force {
		warning := "WARNING! This will remove all dangling images."
		if opts.All {
			warning = "WARNING! This will remove all images without at least one container associated to them."
		}
		fmt.Fprintf(opts.IO.Out, "%s\nAre you sure you want to continue? [y/N] ", warning)
		answer, _ := bufio.NewReader(opts.IO.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return nil
		}
	}
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	rep, err := e.PruneImages(ctx, opts.All)
	if err != nil {
		return cli.DaemonError(err)
	}
	if len(rep.Removed) > 0 {
		fmt.Fprintln(opts.IO.Out, "Deleted Images:")
		for _, r := range rep.Removed {
			printRemoved(opts.IO, r, "untagged", "deleted")
		}
		fmt.Fprintln(opts.IO.Out)
	}
	fmt.Fprintf(opts.IO.Out, "Total reclaimed space: %s\n", units.HumanSize(float64(rep.SpaceReclaimed)))
	return nil
}
