// Package docker is `dockyard docker`: Docker's command line, spoken to
// Dockyard's own engine. Each group of subcommands lives in its own package
// (image, container, network, volume, build) and is added here.
package docker

import (
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/docker/build"
	containercmd "github.com/dockyard-lab/dockyard/cmd/docker/container"
	"github.com/dockyard-lab/dockyard/cmd/docker/image"
	"github.com/dockyard-lab/dockyard/cmd/docker/inspect"
	networkcmd "github.com/dockyard-lab/dockyard/cmd/docker/network"
	"github.com/dockyard-lab/dockyard/cmd/docker/push"
	systemcmd "github.com/dockyard-lab/dockyard/cmd/docker/system"
	volumecmd "github.com/dockyard-lab/dockyard/cmd/docker/volume"
	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// NewCmdDocker returns the `docker` command and its subcommands.
func NewCmdDocker(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "docker",
		Short: "Run Docker commands against Dockyard's engine",
		Long: `Speak Docker's command line to Dockyard's sandboxed engine.

The same binary run through a symlink named "docker" behaves the same, so
"docker run busybox" works as it does on real Docker.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.AddCommand(build.NewCmdBuild(f, nil), build.NewCmdBuilder(f))
	cmd.AddCommand(push.NewCmdPush(f, nil))
	image.AddCommands(cmd, f)
	// docker inspect looks names up kind by kind, in Docker's order:
	// containers, images, networks, volumes. Add a kind here.
	cmd.AddCommand(inspect.NewCmdInspect(f, nil, containercmd.InspectKind, image.InspectKind, networkcmd.InspectKind, volumecmd.InspectKind))
	cmd.AddCommand(containercmd.NewCmdContainer(f))
	containercmd.AddTopLevel(cmd, f)
	cmd.AddCommand(networkcmd.NewCmdNetwork(f), networkcmd.NewCmdPort(f, nil))
	cmd.AddCommand(volumecmd.NewCmdVolume(f))
	systemcmd.AddCommands(cmd, f)
	return cmd
}
