// Package serve is `dockyard serve`: the Docker Engine API on a unix
// socket (sandbox/apiserver), so the real docker CLI and Docker SDKs drive
// Dockyard's engine with DOCKER_HOST=unix:///run/dockyard/docker.sock.
package serve

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/signal"
	"os/user"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/apiserver"
)

// DefaultSocket is where `dockyard serve` listens unless told otherwise.
const DefaultSocket = "/run/dockyard/docker.sock"

// Options are `dockyard serve`'s flags.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory

	Socket string
	Group  string
	// GroupSet is whether --group was given: then the group must exist;
	// the default "docker" is used only when the machine has it.
	GroupSet bool
}

// NewCmdServe returns `dockyard serve`.
func NewCmdServe(f *factory.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the Docker Engine API on a unix socket for the real docker CLI",
		Long: `Serve the Docker Engine API on a unix socket, backed by the same engine and
state as "dockyard docker", so the real docker CLI, IDE plugins and Docker
SDKs work with Dockyard:

  sudo dockyard serve &
  export DOCKER_HOST=unix:///run/dockyard/docker.sock
  docker run --rm busybox echo hi

The socket is mode 0660, owned by root and --group (default "docker" when
that group exists). Anyone who can use it controls containers as root:
add only people you would give sudo. With --debug, Go's profiles are served
under /debug/pprof/ on the socket, as dockerd -D does. See docs/api.md.`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.GroupSet = cmd.Flags().Changed("group")
			if runF != nil {
				return runF(opts)
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Socket, "socket", DefaultSocket, "path of the unix socket to serve on")
	cmd.Flags().StringVar(&opts.Group, "group", "docker", `group that may use the socket (root-equivalent); "" for root only`)
	return cmd
}

// socketGroup is the group the socket gets: the one asked for, or the
// default "docker" only if it exists.
func socketGroup(opts *Options) string {
	if opts.GroupSet || opts.Group == "" {
		return opts.Group
	}
	if _, err := user.LookupGroup(opts.Group); err != nil {
		return ""
	}
	return opts.Group
}

func serveRun(ctx context.Context, opts *Options) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	group := socketGroup(opts)
	l, err := apiserver.Listen(apiserver.ListenOptions{Path: opts.Socket, Group: group})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, unix.SIGTERM)
	defer stop()
	who := "root only"
	if group != "" {
		who = "root and group " + group
	}
	fmt.Fprintf(opts.IO.ErrOut, "Serving the Docker Engine API on %s (%s; state %s)\n", opts.Socket, who, e.Root())
	fmt.Fprintf(opts.IO.ErrOut, "Use it with: export DOCKER_HOST=unix://%s\n", opts.Socket)
	s := apiserver.New(e, apiserver.Options{Version: opts.Factory.Version, Log: log.New(opts.IO.ErrOut, "dockyard serve: ", log.LstdFlags),
		Debug: opts.Factory.Debug})
	return s.Serve(ctx, l)
}
