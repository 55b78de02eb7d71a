package image

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/imageref"
)

// PullOptions are docker pull's flags and argument.
type PullOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory

	Ref      string
	Quiet    bool
	Mirrors  []string
	Platform string
}

// NewCmdPull returns `docker pull`.
func NewCmdPull(f *factory.Factory, runF func(*PullOptions) error) *cobra.Command {
	opts := &PullOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "pull [OPTIONS] NAME[:TAG|@DIGEST]",
		Short: "Download an image from a registry",
		Long: `Download an image from a registry.

Docker Hub images ("busybox") are tried on each registry mirror first:
--registry-mirror, then $DOCKYARD_REGISTRY_MIRROR (comma-separated), then
"registry-mirrors" in daemon.json under the state root. Registries on
loopback are reached over plain HTTP. Without a network, load images with
"docker load -i file.tar" or prepare the lesson images offline with
"dockyard images prepare".`,
		Example: `  docker pull busybox
  docker pull localhost:5000/myapp:v1
  docker pull --registry-mirror http://127.0.0.1:5000 debian:bookworm`,
		Args: cli.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Ref = args[0]
			if runF != nil {
				return runF(opts)
			}
			return pullRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "suppress verbose output")
	cmd.Flags().StringArrayVar(&opts.Mirrors, "registry-mirror", nil, "try this registry mirror first for Docker Hub images (repeatable)")
	cmd.Flags().StringVar(&opts.Platform, "platform", "", "set platform if server is multi-platform capable (linux/amd64)")
	return cmd
}

func pullRun(ctx context.Context, opts *PullOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	if r, err := imageref.ParseNormalized(opts.Ref); err == nil && r.NameOnly() && !opts.Quiet {
		fmt.Fprintln(opts.IO.Out, "Using default tag: latest")
	}
	var progress func(engine.PullEvent)
	if !opts.Quiet {
		progress = NewProgress(opts.IO.Out, opts.IO.IsStdoutTTY()).Event
	}
	po, err := e.PullOptions(opts.Mirrors, progress)
	if err != nil {
		return err
	}
	if opts.Platform != "" {
		p, err := v1.ParsePlatform(opts.Platform)
		if err != nil || p.OS == "" || p.Architecture == "" {
			return &factory.FlagError{Err: fmt.Errorf("invalid platform %q: use os/arch, e.g. linux/amd64", opts.Platform)}
		}
		po.Platform = p
	}
	if _, err := e.PullImage(ctx, opts.Ref, po); err != nil {
		return cli.DaemonError(err)
	}
	ref, _ := engine.ParseReference(opts.Ref)
	fmt.Fprintln(opts.IO.Out, ref.String())
	return nil
}
