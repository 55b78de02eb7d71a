package build

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// NewCmdBuilder returns `docker builder` with build (an alias of docker
// build) and prune.
func NewCmdBuilder(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "builder",
		Short: "Manage builds",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.AddCommand(NewCmdBuild(f, nil), NewCmdPrune(f, nil))
	return cmd
}

// PruneOptions are `docker builder prune`'s parsed flags.
type PruneOptions struct {
	IO     *iostreams.IOStreams
	Engine func(context.Context) (*engine.Engine, error)
	All    bool
	Force  bool
}

// NewCmdPrune returns `docker builder prune`.
func NewCmdPrune(f *factory.Factory, runF func(*PruneOptions) error) *cobra.Command {
	opts := &PruneOptions{IO: f.IOStreams, Engine: f.Engine}
	cmd := &cobra.Command{
		Use:   "prune",
		Short: "Remove build cache",
		Long: `Remove the build cache: every cached step and layer. Images already built
keep theirs; the next build of them runs every step again.`,
		Args: cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return pruneRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.All, "all", "a", false, "Remove all unused build cache, not just dangling ones (the same here)")
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}

func pruneRun(ctx context.Context, opts *PruneOptions) error {
	if !opts.Force {
		fmt.Fprint(opts.IO.Out, "WARNING! This will remove all build cache.\nAre you sure you want to continue? [y/N] ")
		answer, _ := bufio.NewReader(opts.IO.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return nil
		}
	}
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	freed, err := e.Builder().Prune()
	if err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.Out, "Total reclaimed space: %s\n", units.HumanSize(float64(freed)))
	return nil
}
