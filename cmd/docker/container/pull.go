package container

import (
	"context"
	"fmt"

	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// pullForRun pulls a missing image for run and create the way Docker does:
// "Unable to find image 'busybox:latest' locally", then the pull's lines,
// all on stderr so that stdout carries only the container's output.
func pullForRun(e *engine.Engine, ios *iostreams.IOStreams) func(ctx context.Context, ref string) (*image.Image, error) {
	return func(ctx context.Context, ref string) (*image.Image, error) {
		r, err := image.ParseReference(ref)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(ios.ErrOut, "Unable to find image '%s' locally\n", r.Familiar())
		cfg, err := e.RegistryConfig()
		if err != nil {
			return nil, err
		}
		return e.Images.Pull(ctx, ref, image.PullOptions{Mirrors: cfg.Mirrors, InsecureRegistries: cfg.Insecure, Progress: func(ev image.Event) {
			switch {
			case ev.ID == "":
				fmt.Fprintln(ios.ErrOut, ev.Status)
			case ev.Status == image.StatusPullComplete || ev.Status == image.StatusAlreadyExists || ev.Status == image.StatusPullingFS:
				fmt.Fprintf(ios.ErrOut, "%s: %s\n", ev.ID, ev.Status)
			}
		}})
	}
}
