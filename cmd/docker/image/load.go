package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

// LoadOptions are docker load's flags.
type LoadOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory

	Input string
	Quiet bool
}

// NewCmdLoad returns `docker load`.
func NewCmdLoad(f *factory.Factory, runF func(*LoadOptions) error) *cobra.Command {
	opts := &LoadOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "load [OPTIONS]",
		Short: "Load an image from a tar archive or STDIN",
		Long: `Load an image from a tar archive or STDIN.

Both "docker save" archives (manifest.json) and OCI image layout archives
(index.json, as written by skopeo or Docker 25+) load.`,
		Example: "  docker load -i busybox.tar\n  docker load < busybox.tar",
		Args:    cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return loadRun(c.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Input, "input", "i", "", "read from tar archive file, instead of STDIN")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "suppress the load output")
	return cmd
}

func loadRun(ctx context.Context, opts *LoadOptions) error {
	var in io.Reader = opts.IO.In
	if opts.Input != "" {
		f, err := os.Open(opts.Input)
		if err != nil {
			return fmt.Errorf("open %s: %w (give the path of a file written by docker save)", opts.Input, errors.Unwrap(err))
		}
		defer f.Close()
		in = f
	} else if opts.IO.IsStdinTTY() {
		return errors.New("requested load from stdin, but stdin is empty (use -i FILE or docker load < FILE)")
	}
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	loaded, err := e.LoadImages(ctx, in)
	for _, l := range loaded {
		if len(l.Tags) == 0 {
			fmt.Fprintf(opts.IO.Out, "Loaded image ID: %s\n", l.Image.ID)
		}
		for _, t := range l.Tags {
			fmt.Fprintf(opts.IO.Out, "Loaded image: %s\n", t)
		}
	}
	return cli.DaemonError(err)
}
