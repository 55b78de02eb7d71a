// Package images is `dockyard images prepare`: bake every lesson image
// (debian, busybox, postgres, nginx) from its recipe ahead of time, so
// lessons never wait for one.
package images

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/bake"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// NewCmdImages returns `dockyard images` and its subcommands.
func NewCmdImages(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "images",
		Short: "Prepare the lesson images",
		Args:  cli.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.AddCommand(NewCmdPrepare(f, nil))
	return cmd
}

// PrepareOptions are `images prepare`'s parsed flags.
type PrepareOptions struct {
	IO     *iostreams.IOStreams
	Engine func(context.Context) (*engine.Engine, error)
	Names  []string
}

// NewCmdPrepare returns `dockyard images prepare [NAME...]`.
func NewCmdPrepare(f *factory.Factory, runF func(*PrepareOptions) error) *cobra.Command {
	opts := &PrepareOptions{IO: f.IOStreams, Engine: f.Engine}
	return &cobra.Command{
		Use:   "prepare [NAME...]",
		Short: "Bake the lesson images from their recipes (all, or those named)",
		Long: `Bake the images the lessons use from Dockyard's recipes, without Docker Hub:
debian:bookworm from Debian's archive (debootstrap), then busybox, postgres
and nginx from Dockerfiles FROM debian:bookworm. An image already baked
from the same recipe is kept; a changed recipe is baked again.`,
		Example: `  dockyard images prepare
  dockyard images prepare postgres`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Names = args
			if runF != nil {
				return runF(opts)
			}
			return prepareRun(c.Context(), opts)
		},
	}
}

func prepareRun(ctx context.Context, opts *PrepareOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	b, err := e.Baker(opts.IO.ErrOut)
	if err != nil {
		return err
	}
	start := time.Now()
	var results []bake.Result
	if len(opts.Names) == 0 {
		results, err = b.BakeAll(ctx)
	} else {
		for _, n := range opts.Names {
			if b.Recipes.Get(n) == nil {
				return fmt.Errorf("no recipe called %q (recipes: %s)", n, strings.Join(b.Recipes.Names(), ", "))
			}
		}
		for _, n := range opts.Names {
			var res []bake.Result
			res, err = b.Bake(ctx, n)
			results = append(results, res...)
			if err != nil {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	for _, r := range results {
		state := fmt.Sprintf("baked in %.1fs", r.Duration.Seconds())
		if r.Cached {
			state = "up to date"
		}
		fmt.Fprintf(opts.IO.Out, "%-9s %-40s %s\n", r.Name, strings.Join(r.Tags, ", "), state)
	}
	fmt.Fprintf(opts.IO.Out, "lesson images ready in %.1fs\n", time.Since(start).Seconds())
	return nil
}
