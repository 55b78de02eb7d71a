package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/dockyard-lab/dockyard/sandbox/bake"
	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// ImageFallback, when set, returns how to make an image offline when no
// registry answers a pull (the baked lesson images). The bake engine sets
// it; it must leave the image in e.Images under ref.
var ImageFallback func(e *Engine) func(ctx context.Context, ref string) error

// openImages opens the image store under the state root. Whether an image
// is in use is the container store's knowledge: openContainers wires it in
// with e.Images.SetInUse.
func (e *Engine) openImages() error {
	s, err := image.Open(e.root)
	if err != nil {
		return fmt.Errorf("open engine: %w", err)
	}
	e.Images = s
	if ImageFallback != nil {
		// Every pull gets it, also those that build their own options.
		s.SetFallback(ImageFallback(e))
	}
	// The baked lesson images outlive "docker rmi" in the store, so the
	// offline pull that brings one back is a re-tag.
	s.SetKeep(func() []string { return bake.KeptManifests(e.BuildCacheDir()) })
	return nil
}

// RegistryConfig returns the registry settings of this state root
// (<root>/daemon.json and $DOCKYARD_REGISTRY_MIRROR).
func (e *Engine) RegistryConfig() (image.RegistryConfig, error) {
	return image.LoadRegistryConfig(e.root)
}

// PullOptions returns the options every pull of this engine uses: the
// mirrors given (--registry-mirror) before those of the environment and
// daemon.json, and the insecure registries. The store adds the offline
// fallback (ImageFallback) itself.
func (e *Engine) PullOptions(mirrors []string, progress func(image.Event)) (image.PullOptions, error) {
	cfg, err := e.RegistryConfig()
	if err != nil {
		return image.PullOptions{}, err
	}
	opts := image.PullOptions{
		Mirrors:            append(append([]string{}, mirrors...), cfg.Mirrors...),
		InsecureRegistries: cfg.Insecure,
		Progress:           progress,
	}
	return opts, nil
}

// Pull pulls ref with the engine's registry settings.
func (e *Engine) Pull(ctx context.Context, ref string, progress func(image.Event)) (*image.Image, error) {
	opts, err := e.PullOptions(nil, progress)
	if err != nil {
		return nil, err
	}
	return e.Images.Pull(ctx, ref, opts)
}

// EnsureImage returns the image ref names, pulling it when it is not in
// the store (docker run, docker build's FROM). pulling is called before a
// pull starts, so the caller can say "Unable to find image ... locally".
func (e *Engine) EnsureImage(ctx context.Context, ref string, pulling func(), progress func(image.Event)) (*image.Image, error) {
	img, err := e.Images.Get(ctx, ref)
	if err == nil || !errors.Is(err, image.ErrNotFound) {
		return img, err
	}
	if pulling != nil {
		pulling()
	}
	return e.Pull(ctx, ref, progress)
}
