package image

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

// TagOptions are docker tag's arguments.
type TagOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory

	Source, Target string
}

// NewCmdTag returns `docker tag`.
func NewCmdTag(f *factory.Factory, runF func(*TagOptions) error) *cobra.Command {
	opts := &TagOptions{IO: f.IOStreams, Factory: f}
	return &cobra.Command{
		Use:     "tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
		Short:   "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE",
		Example: "  docker tag busybox localhost:5000/mybox:v1",
		Args:    cli.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Source, opts.Target = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			return tagRun(c.Context(), opts)
		},
	}
}

func tagRun(ctx context.Context, opts *TagOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	return cli.DaemonError(e.TagImage(ctx, opts.Source, opts.Target))
}
