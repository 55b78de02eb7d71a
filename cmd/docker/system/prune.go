package system

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// PruneOptions are docker system prune's flags.
type PruneOptions struct {
	Factory *factory.Factory
	In      io.Reader
	Out     io.Writer
	ErrOut  io.Writer

	All, Volumes, Force bool
}

// NewCmdPrune returns `docker system prune`.
func NewCmdPrune(f *factory.Factory, runF func(*PruneOptions) error) *cobra.Command {
	opts := &PruneOptions{Factory: f, In: f.IOStreams.In, Out: f.IOStreams.Out, ErrOut: f.IOStreams.ErrOut}
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove unused data",
		Long: `Remove all stopped containers, all networks no container uses, all dangling
images and the build cache; with -a every image no container uses, with
--volumes the anonymous volumes no container uses.`,
		Args: cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return pruneRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.All, "all", "a", false, "Remove all unused images not just dangling ones")
	cmd.Flags().BoolVar(&opts.Volumes, "volumes", false, "Prune anonymous volumes")
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}

// pruneWarning is docker system prune's question, listing what goes.
func pruneWarning(opts *PruneOptions) string {
	what := []string{"all stopped containers", "all networks not used by at least one container"}
	if opts.Volumes {
		what = append(what, "all anonymous volumes not used by at least one container")
	}
	if opts.All {
		what = append(what, "all images without at least one container associated to them")
	} else {
		what = append(what, "all dangling images")
	}
	what = append(what, "unused build cache")
	return "WARNING! This will remove:\n  - " + strings.Join(what, "\n  - ") + "\n\nAre you sure you want to continue? [y/N] "
}

func pruneRun(ctx context.Context, opts *PruneOptions) error {
	if !opts.Force {
		fmt.Fprint(opts.Out, pruneWarning(opts))
		line, _ := bufio.NewReader(opts.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return nil
		}
	}
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	rep, err := e.SystemPrune(ctx, engine.SystemPruneOptions{AllImages: opts.All, Volumes: opts.Volumes})
	section := func(title string, lines []string) {
		if len(lines) == 0 {
			return
		}
		fmt.Fprintln(opts.Out, title)
		for _, l := range lines {
			fmt.Fprintln(opts.Out, l)
		}
		fmt.Fprintln(opts.Out)
	}
	section("Deleted Containers:", rep.Containers)
	section("Deleted Networks:", rep.Networks)
	section("Deleted Volumes:", rep.Volumes)
	var images []string
	for _, r := range rep.Images {
		if r.Untagged != "" {
			images = append(images, "untagged: "+r.Untagged)
		}
		if r.Deleted != "" {
			images = append(images, "deleted: "+r.Deleted)
		}
	}
	section("Deleted Images:", images)
	fmt.Fprintf(opts.Out, "Total reclaimed space: %s\n", units.HumanSize(float64(rep.Reclaimed)))
	if err != nil {
		return cli.DaemonError(err)
	}
	return nil
}
