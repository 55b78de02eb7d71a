// Package docker is `dockyard docker`: Docker's command line, spoken to
// Dockyard's own engine. Each group of subcommands lives in its own package
// (image, container, network, volume, build) and is added here.
package docker

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker/build"
	"github.com/dockyard-lab/dockyard/cmd/docker/compose"
	containercmd "github.com/dockyard-lab/dockyard/cmd/docker/container"
	"github.com/dockyard-lab/dockyard/cmd/docker/image"
	"github.com/dockyard-lab/dockyard/cmd/docker/inspect"
	networkcmd "github.com/dockyard-lab/dockyard/cmd/docker/network"
	"github.com/dockyard-lab/dockyard/cmd/docker/push"
	systemcmd "github.com/dockyard-lab/dockyard/cmd/docker/system"
	volumecmd "github.com/dockyard-lab/dockyard/cmd/docker/volume"
	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// NewCmdDocker returns the `docker` command; its subcommands are added when
// a command line reaches it (cli.Expand).
func NewCmdDocker(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "docker [OPTIONS] COMMAND",
		Short: "Run Docker commands against Dockyard's engine",
		// Docker's usage lines say [OPTIONS], not cobra's [flags].
		DisableFlagsInUseLine: true,
		Long: `Speak Docker's command line to Dockyard's sandboxed engine.

The same binary run through a symlink named "docker" behaves the same, so
"docker run busybox" works as it does on real Docker.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	// The subcommands are built only when a command line reaches docker
	// (cli.Lazy): `dockyard progress` does not pay for their flags.
	cli.Lazy(cmd, func(cmd *cobra.Command) { addCommands(cmd, f) })
	return cmd
}

func addCommands(cmd *cobra.Command, f *factory.Factory) {
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
	refuseUnknownSubcommands(cmd)
	// Compose parses its own arguments: added after, so that they are not
	// refused as unknown subcommands.
	cmd.AddCommand(compose.NewCmdCompose(f, nil))
}

// notInDockyard are real Docker commands that Dockyard leaves out, with
// what to do instead: a student who types one learns that it exists and
// why it is not here, rather than "unknown command" and a far-off guess.
var notInDockyard = map[string]string{
	"docker attach":  "follow its output with docker logs -f, or run a shell in it with docker exec -it",
	"docker export":  "save images with docker save; copy a container's files out with docker cp",
	"docker import":  "load saved images with docker load -i file.tar",
	"docker login":   "the registries of the lessons (dockyard registry start) need no login",
	"docker logout":  "the registries of the lessons (dockyard registry start) need no login",
	"docker pause":   "stop it with docker stop and start it again with docker start",
	"docker unpause": "stop it with docker stop and start it again with docker start",
	"docker search":  "it asks Docker Hub, which the sandbox cannot reach; docker images lists what you have, dockyard images prepare makes the lesson images",
	"docker update":  "remove the container and run it again with the new limits (-m, --cpus, --pids-limit, --restart)",
	"docker swarm":   "it needs a cluster of Docker hosts, which is out of this lab's scope",
	"docker service": "it needs a Docker swarm (a cluster of hosts), which is out of this lab's scope",
	"docker stack":   "it needs a Docker swarm (a cluster of hosts), which is out of this lab's scope",
	"docker node":    "it needs a Docker swarm (a cluster of hosts), which is out of this lab's scope",
	"docker context": "Dockyard has one engine; dockyard serve makes it reachable for the real docker CLI",
	"docker buildx":  "docker build builds with Dockyard's own builder",
	"docker plugin":  "Dockyard has no plugins",
	"docker trust":   "Dockyard does not sign images",
}

// refuseUnknownSubcommands makes every command that has subcommands answer
// a mistyped one as Docker does ("docker: unknown command: docker nework",
// exit 1), with cobra's suggestions added so a typo names its fix.
func refuseUnknownSubcommands(c *cobra.Command) {
	if !c.HasSubCommands() && !cli.IsLazy(c) {
		return
	}
	c.Args = func(c *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		path := strings.TrimPrefix(c.CommandPath(), "dockyard ")
		if why, ok := notInDockyard[path+" "+args[0]]; ok {
			return &factory.StatusError{Code: 1, Message: fmt.Sprintf("docker: '%s %s' is a Docker command that Dockyard does not have: %s", path, args[0], why)}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "docker: unknown command: %s %s\n", path, args[0])
		if c != c.Root() && c.Parent().Name() != "dockyard" {
			fmt.Fprintf(&b, "\nUsage:  %s\n", path)
		}
		if c.SuggestionsMinimumDistance <= 0 {
			c.SuggestionsMinimumDistance = 2
		}
		if s := c.SuggestionsFor(args[0]); len(s) > 0 {
			fmt.Fprintf(&b, "\nDid you mean this?\n\t%s\n", strings.Join(s, "\n\t"))
		}
		fmt.Fprintf(&b, "\nRun '%s --help' for more information", path)
		return &factory.StatusError{Code: 1, Message: b.String()}
	}
	for _, sub := range c.Commands() {
		refuseUnknownSubcommands(sub)
	}
}
