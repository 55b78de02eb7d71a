// Package image holds Docker's image commands: pull, images, rmi, tag,
// history, save, load, image inspect and image prune, both as the
// top-level shortcuts (`docker pull`) and in the `docker image` group.
// Each command parses flags into an Options struct and calls the engine's
// image store (sandbox/image); all output goes through IOStreams.
package image

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker/inspect"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// AddCommands adds the image commands to the docker command: the `docker
// image` group and the top-level shortcuts Docker has for them.
func AddCommands(docker *cobra.Command, f *factory.Factory) {
	docker.AddCommand(
		NewCmdImage(f),
		NewCmdPull(f, nil),
		NewCmdList(f, nil, "images"),
		NewCmdRemove(f, nil, "rmi"),
		NewCmdTag(f, nil),
		NewCmdHistory(f, nil),
		NewCmdSave(f, nil),
		NewCmdLoad(f, nil),
	)
}

// NewCmdImage returns the `docker image` group.
func NewCmdImage(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "image",
		Short: "Manage images",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.AddCommand(
		NewCmdPull(f, nil),
		NewCmdList(f, nil, "ls"),
		NewCmdRemove(f, nil, "rm"),
		NewCmdTag(f, nil),
		NewCmdHistory(f, nil),
		NewCmdSave(f, nil),
		NewCmdLoad(f, nil),
		NewCmdInspect(f, nil),
		NewCmdPrune(f, nil),
	)
	return cmd
}

// InspectKind lets `docker inspect` find images.
var InspectKind = inspect.Kind{
	Type: "image",
	Get: func(ctx context.Context, e inspect.Engine, ref string) (any, bool, error) {
		out, err := e.InspectImage(ctx, ref)
		if engine.KindOf(err) == engine.NotFound {
			return nil, false, err
		}
		if err != nil {
			return nil, false, cli.DaemonError(err)
		}
		return out, true, nil
	},
}
