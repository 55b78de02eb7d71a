package container

import (
	"context"
	"fmt"
	"os"

	"golang.org/x/term"

	imagecmd "github.com/dockyard-lab/dockyard/cmd/docker/image"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// pullForRun pulls a missing image for run and create the way Docker does:
// "Unable to find image 'busybox:latest' locally", then the pull's
// progress, all on stderr so that stdout carries only the container's
// output. The engine's pull tries the registry mirrors and, offline, makes
// the lesson images from their recipes.
func pullForRun(e *engine.Engine, ios *iostreams.IOStreams) func(ctx context.Context, ref string) (*engine.Image, error) {
	return func(ctx context.Context, ref string) (*engine.Image, error) {
		r, err := engine.ParseReference(ref)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(ios.ErrOut, "Unable to find image '%s' locally\n", r.Familiar())
		progress := imagecmd.NewProgress(ios.ErrOut, stderrIsTerminal(ios))
		return e.Pull(ctx, ref, progress.Event)
	}
}

// stderrIsTerminal: the progress bars redraw on a terminal only.
func stderrIsTerminal(ios *iostreams.IOStreams) bool {
	if f, ok := ios.ErrOut.(*os.File); ok {
		return term.IsTerminal(int(f.Fd()))
	}
	return false
}
