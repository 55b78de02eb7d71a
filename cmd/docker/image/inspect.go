package image

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker/inspect"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// InspectOptions are docker image inspect's flags and arguments.
type InspectOptions struct {
	IO     *iostreams.IOStreams
	Engine func(context.Context) (inspect.Engine, error)

	Images []string
	Format string
}

// NewCmdInspect returns `docker image inspect`.
func NewCmdInspect(f *factory.Factory, runF func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{IO: f.IOStreams, Engine: inspect.EngineOf(f)}
	cmd := &cobra.Command{
		Use:     "inspect [OPTIONS] IMAGE [IMAGE...]",
		Short:   "Display detailed information on one or more images",
		Example: "  docker image inspect busybox\n  docker image inspect -f '{{.Config.Cmd}}' busybox",
		Args:    cli.MinArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Images = args
			if runF != nil {
				return runF(opts)
			}
			return inspectRun(c.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "", "format output using a Go template ('{{.Id}}', '{{json .Config}}')")
	return cmd
}

func inspectRun(ctx context.Context, opts *InspectOptions) error {
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	var objs []any
	var errs []string
	for _, name := range opts.Images {
		obj, ok, err := InspectKind.Get(ctx, e, name)
		switch {
		case ok:
			objs = append(objs, obj)
		case engine.KindOf(err) == engine.NotFound:
			// Docker's CLI prints the daemon's answer.
			errs = append(errs, cli.DaemonError(err).Error())
		default:
			return err
		}
	}
	return inspect.Print(opts.IO, opts.Format, objs, errs)
}
