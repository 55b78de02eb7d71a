package engine

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/dockyard-lab/dockyard/sandbox/bake"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/registry"
)

// openImages opens the image store under the state root. Whether an image
// is in use is the container store's knowledge: openContainers wires it in
// with e.images.SetInUse.
func (e *Engine) openImages() error {
	s, err := image.Open(e.root)
	if err != nil {
		return fmt.Errorf("open engine: %w", err)
	}
	e.images = s
	// Every pull gets the offline fallback, also those that build their
	// own options.
	s.SetFallback(e.offlineImage)
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
	return e.images.Pull(ctx, ref, opts)
}

// EnsureImage returns the image ref names, pulling it when it is not in
// the store (docker run, docker build's FROM). pulling is called before a
// pull starts, so the caller can say "Unable to find image ... locally".
func (e *Engine) EnsureImage(ctx context.Context, ref string, pulling func(), progress func(image.Event)) (*image.Image, error) {
	img, err := e.images.Get(ctx, ref)
	if err == nil || !errors.Is(err, image.ErrNotFound) {
		return img, err
	}
	if pulling != nil {
		pulling()
	}
	return e.Pull(ctx, ref, progress)
}

// Images are all the images in the store (GET /system/df, the checker);
// ListImages lists them as docker images does.
func (e *Engine) Images(ctx context.Context) ([]*Image, error) { return e.images.List(ctx) }

// Image is one image by reference or id.
func (e *Engine) Image(ctx context.Context, ref string) (*Image, error) {
	return e.images.Get(ctx, ref)
}

// DamagedImages are the images whose record cannot be read, for one
// WARNING line each in `docker images`.
func (e *Engine) DamagedImages(ctx context.Context) []error {
	var out []error
	for _, d := range e.images.Damaged(ctx) {
		out = append(out, d)
	}
	return out
}

// ImageHistory is `docker history` of one image, newest layer first.
func (e *Engine) ImageHistory(ctx context.Context, ref string) ([]HistoryItem, error) {
	img, err := e.images.Get(ctx, ref)
	if err != nil {
		return nil, err
	}
	return e.images.History(ctx, img)
}

// TagImage gives the image source the name target (docker tag).
func (e *Engine) TagImage(ctx context.Context, source, target string) error {
	return e.images.Tag(ctx, source, target)
}

// RemoveImage is `docker rmi` of one image: what was untagged and deleted.
func (e *Engine) RemoveImage(ctx context.Context, ref string, o RemoveImageOptions) ([]RemovedImage, error) {
	return e.images.Remove(ctx, ref, o)
}

// PruneImages removes the dangling images, or with all every image no
// container uses (docker image prune [-a]).
func (e *Engine) PruneImages(ctx context.Context, all bool) (*ImagePruneReport, error) {
	return e.images.Prune(ctx, all)
}

// SaveImages writes refs as one `docker save` tar to w. Every ref is
// resolved before the first byte is written, so an unknown image fails
// with nothing written.
func (e *Engine) SaveImages(ctx context.Context, refs []string, w io.Writer) error {
	return e.images.Save(ctx, refs, w)
}

// LoadImages stores the images of a `docker save` or OCI layout tar
// (docker load).
func (e *Engine) LoadImages(ctx context.Context, r io.Reader) ([]LoadedImage, error) {
	return e.images.Load(ctx, r)
}

// PullImage pulls ref with opts (from PullOptions, a platform set by
// the caller).
func (e *Engine) PullImage(ctx context.Context, ref string, opts PullOptions) (*Image, error) {
	return e.images.Pull(ctx, ref, opts)
}

// PushImage is `docker push` of the tagged local image name to a
// registry on this machine. progress sees Docker's lines: "The push refers
// to repository [...]" first (no ID), a line per layer, and
// "TAG: digest: D size: N" last.
func (e *Engine) PushImage(ctx context.Context, name string, progress func(PushEvent)) error {
	ref, err := image.ParseReference(name)
	if err != nil {
		return err
	}
	if ref.Digest() != "" {
		return Invalid(fmt.Errorf("cannot push a digest reference (%s): push a tag", name))
	}
	if !registry.IsLocal(ref.Domain()) {
		return &registry.NotLocalError{Registry: ref.Domain()}
	}
	img, err := e.images.Get(ctx, ref.String())
	if err != nil && !errors.Is(err, image.ErrNotFound) {
		return err
	}
	if progress == nil {
		progress = func(PushEvent) {}
	}
	// Docker's daemon names the repository before it looks for the tag:
	// a repository with no local tag at all, and a tag missing from one
	// that has others, are told apart (moby's distribution.Push and
	// pushV2Repository).
	progress(PushEvent{Status: fmt.Sprintf("The push refers to repository [%s]", ref.Name())})
	if err != nil {
		if e.hasRepository(ctx, ref) {
			return Missing(fmt.Errorf("tag does not exist: %s", ref.Familiar()))
		}
		return Missing(fmt.Errorf("An image does not exist locally with the tag: %s", ref.Name()))
	}
	v, err := e.images.V1(img)
	if err != nil {
		return err
	}
	digest, size, err := registry.Push(ctx, v, ref.String(), progress)
	if err != nil {
		return err
	}
	progress(PushEvent{Status: fmt.Sprintf("%s: digest: %s size: %d", ref.Tag(), digest, size)})
	return nil
}

// hasRepository reports whether some local image has a tag in ref's
// repository.
func (e *Engine) hasRepository(ctx context.Context, ref image.Reference) bool {
	imgs, err := e.images.List(ctx)
	if err != nil {
		return false
	}
	for _, img := range imgs {
		for _, t := range img.RepoTags {
			if r, err := image.ParseReference(t); err == nil && r.Name() == ref.Name() {
				return true
			}
		}
	}
	return false
}
