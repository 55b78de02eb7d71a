// Package push is `docker push`: upload an image to a registry on this
// machine (the one `dockyard registry start` runs), for the registry lesson.
package push

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/imageref"
)

// PushOptions are `docker push`'s parsed flags.
type PushOptions struct {
	IO     *iostreams.IOStreams
	Engine func(context.Context) (*engine.Engine, error)
	Ref    string
	Quiet  bool
}

// NewCmdPush returns `docker push`.
func NewCmdPush(f *factory.Factory, runF func(*PushOptions) error) *cobra.Command {
	opts := &PushOptions{IO: f.IOStreams, Engine: f.Engine}
	cmd := &cobra.Command{
		Use:   "push [OPTIONS] NAME[:TAG]",
		Short: "Upload an image to a registry",
		Long: `Upload an image to a registry. Dockyard pushes only to a registry on this
machine: start one with "dockyard registry start", tag the image for it and
push.`,
		Example: `  dockyard registry start
  docker tag busybox localhost:5000/busybox:lesson
  docker push localhost:5000/busybox:lesson`,
		Args: cli.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(opts)
			}
			return pushRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "Suppress verbose output")
	return cmd
}

func pushRun(ctx context.Context, opts *PushOptions) error {
	ref, err := engine.ParseReference(opts.Ref)
	if err != nil {
		return err
	}
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	if r, err := imageref.ParseNormalized(opts.Ref); err == nil && r.NameOnly() && !opts.Quiet {
		fmt.Fprintln(opts.IO.Out, "Using default tag: latest")
	}
	err = e.PushImage(ctx, opts.Ref, func(ev engine.PushEvent) {
		switch {
		case opts.Quiet:
		case ev.ID == "":
			fmt.Fprintln(opts.IO.Out, ev.Status)
		default:
			fmt.Fprintf(opts.IO.Out, "%s: %s\n", ev.ID, ev.Status)
		}
	})
	if err != nil {
		return err
	}
	if opts.Quiet {
		fmt.Fprintln(opts.IO.Out, ref.Familiar())
	}
	return nil
}
