package container

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker/inspect"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// InspectKind lets `docker inspect` find containers (Docker looks for a
// container first, then an image, a network, a volume).
var InspectKind = inspect.Kind{
	Type: "container",
	Get: func(ctx context.Context, e inspect.Engine, ref string) (any, bool, error) {
		c, err := e.InspectContainer(ref)
		if engine.KindOf(err) == engine.NotFound {
			return nil, false, err
		}
		if err != nil {
			return nil, false, cli.DaemonError(err)
		}
		return c, true, nil
	},
}

// NewCmdInspect returns `docker container inspect`: Docker's JSON for each
// container, or --format applied to it.
func NewCmdInspect(f *factory.Factory, runF func(*inspect.Options) error) *cobra.Command {
	cmd := inspect.NewCmdInspect(f, runF, InspectKind)
	cmd.Use = "inspect [OPTIONS] CONTAINER [CONTAINER...]"
	cmd.Short = "Display detailed information on one or more containers"
	_ = cmd.Flags().MarkHidden("type")
	return cmd
}
