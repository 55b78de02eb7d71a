package image

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// RemoveOptions are docker rmi's flags and arguments.
type RemoveOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory

	Images  []string
	Force   bool
	NoPrune bool
}

// NewCmdRemove returns `docker rmi` (use "rmi") or `docker image rm`
// (use "rm").
func NewCmdRemove(f *factory.Factory, runF func(*RemoveOptions) error, use string) *cobra.Command {
	opts := &RemoveOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   use + " [OPTIONS] IMAGE [IMAGE...]",
		Short: "Remove one or more images",
		Long: `Remove one or more images.

A name of an image that has other names is only untagged. An image that a
container uses is refused (remove the container first, or -f to untag it).`,
		Args: cli.MinArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Images = args
			if runF != nil {
				return runF(opts)
			}
			return removeRun(c.Context(), opts)
		},
	}
	if use == "rm" {
		cmd.Aliases = []string{"remove", "rmi"}
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "force removal of the image")
	cmd.Flags().BoolVar(&opts.NoPrune, "no-prune", false, "do not delete untagged parents")
	return cmd
}

func removeRun(ctx context.Context, opts *RemoveOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	// As Docker's CLI: every error is printed after the removals that
	// worked, and the command fails unless -f was given and every error
	// was an unknown image.
	var errs []error
	fatal := false
	for _, name := range opts.Images {
		res, err := e.RemoveImage(ctx, name, engine.RemoveImageOptions{Force: opts.Force, NoPrune: opts.NoPrune})
		for _, r := range res {
			printRemoved(opts.IO, r, "Untagged", "Deleted")
		}
		if err != nil {
			errs = append(errs, err)
			fatal = fatal || engine.KindOf(err) != engine.NotFound
		}
	}
	for _, err := range errs {
		fmt.Fprintln(opts.IO.ErrOut, cli.DaemonError(err))
	}
	if len(errs) > 0 && (!opts.Force || fatal) {
		return &factory.StatusError{Code: 1}
	}
	return nil
}

func printRemoved(ios *iostreams.IOStreams, r engine.RemovedImage, untagged, deleted string) {
	if r.Untagged != "" {
		fmt.Fprintf(ios.Out, "%s: %s\n", untagged, r.Untagged)
	}
	if r.Deleted != "" {
		fmt.Fprintf(ios.Out, "%s: %s\n", deleted, r.Deleted)
	}
}
