// Package images is `dockyard images prepare`: bake every lesson image
// (debian, busybox, postgres, nginx) from its recipe ahead of time, so
// lessons never wait for one.
package images

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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
	IO      *iostreams.IOStreams
	Engine  func(context.Context) (*engine.Engine, error)
	Names   []string
	Verbose bool
	// Background starts the bake as a process of its own and returns.
	Background bool
	// Root is the state root (for the background process).
	Root string
}

// NewCmdPrepare returns `dockyard images prepare [NAME...]`.
func NewCmdPrepare(f *factory.Factory, runF func(*PrepareOptions) error) *cobra.Command {
	opts := &PrepareOptions{IO: f.IOStreams, Engine: f.Engine}
	cmd := &cobra.Command{
		Use:   "prepare [NAME...]",
		Short: "Bake the lesson images from their recipes (all, or those named)",
		Long: `Bake the images the lessons use from Dockyard's recipes, without Docker Hub:
debian:bookworm from Debian's archive (mmdebstrap, or debootstrap), then
busybox, postgres and nginx side by side from Dockerfiles FROM
debian:bookworm. An image already baked from the same recipe is kept; a
changed recipe is baked again; an image removed with "docker rmi" comes
back from its last bake.

Each image shows one line: its phase (bootstrap, install, export) and how
far it is. The raw output of each bake is kept in
<root>/build-cache/logs/NAME.log, printed with --verbose and, in part, when
a bake fails.

With --background the bake goes on in a process of its own while you
start the first lesson (whose first steps need no image): "dockyard learn",
"dockyard doctor" and the prompt of "dockyard shell" show how far it is, and
a step that needs an image not baked yet waits for it.`,
		Example: `  dockyard images prepare
  dockyard images prepare postgres
  dockyard images prepare --verbose
  dockyard images prepare --background && dockyard learn`,
		RunE: func(c *cobra.Command, args []string) error {
			opts.Names = args
			// Read now: --root is parsed after the command is made.
			opts.Root = f.Root
			if runF != nil {
				return runF(opts)
			}
			return prepareRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Verbose, "verbose", "v", false, "print the raw output of every bake")
	cmd.Flags().BoolVar(&opts.Background, "background", false, "bake in a process of its own and return at once")
	return cmd
}

func prepareRun(ctx context.Context, opts *PrepareOptions) error {
	if opts.Background {
		return startBackground(opts)
	}
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	b, err := e.Baker(opts.IO.ErrOut)
	if err != nil {
		return err
	}
	for _, n := range opts.Names {
		if b.Recipes.Get(n) == nil {
			return fmt.Errorf("no recipe called %q (recipes: %s)", n, strings.Join(b.Recipes.Names(), ", "))
		}
	}
	var bars *Bars
	switch {
	case opts.Verbose:
		b.Out, b.Progress = opts.IO.ErrOut, nil
	case opts.IO.IsStdoutTTY():
		bars = NewBars(opts.IO.Out)
		b.Progress = bars.Update
	default:
		b.Progress = bake.LineProgress(opts.IO.Out)
	}
	start := time.Now()
	var results []bake.Result
	if len(opts.Names) == 0 {
		results, err = b.BakeAll(ctx)
	} else {
		results, err = b.Bake(ctx, opts.Names...)
	}
	if bars != nil {
		bars.Flush()
	}
	if err != nil {
		var be *bake.Error
		if errors.As(err, &be) && !opts.Verbose && len(be.Tail) > 0 {
			fmt.Fprintf(opts.IO.ErrOut, "The last lines of %s:\n", be.Log)
			for _, l := range be.Tail {
				fmt.Fprintf(opts.IO.ErrOut, "  %s\n", l)
			}
		}
		return err
	}
	if bars == nil {
		for _, r := range results {
			state := fmt.Sprintf("baked in %.1fs", r.Duration.Seconds())
			switch {
			case r.Cached:
				state = "up to date"
			case r.Restored:
				state = "brought back from its last bake"
			}
			fmt.Fprintf(opts.IO.Out, "%-9s %-40s %s\n", r.Name, strings.Join(r.Tags, ", "), state)
		}
	}
	fmt.Fprintf(opts.IO.Out, "lesson images ready in %.1fs\n", time.Since(start).Seconds())
	return nil
}

// startBackground starts "dockyard images prepare" again as a process of
// its own session (it outlives a closed terminal), its output in
// <root>/build-cache/logs/prepare.log.
func startBackground(opts *PrepareOptions) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	logs := filepath.Join(opts.Root, "build-cache", "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	logPath := filepath.Join(logs, "prepare.log")
	log, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(self, append([]string{"--root", opts.Root, "images", "prepare"}, opts.Names...)...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the bake: %w", err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Baking the lesson images in the background (process %d, log %s): the first steps need none.\n", cmd.Process.Pid, logPath)
	return cmd.Process.Release()
}
