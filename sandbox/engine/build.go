package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/content/images"
	"github.com/dockyard-lab/dockyard/sandbox/bake"
	"github.com/dockyard-lab/dockyard/sandbox/build"
	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// offlineImage is the image store's pull fallback: "docker pull postgres"
// with no registry reachable bakes postgres from its recipe. It leaves the
// image in e.images under ref, and under no other of the recipe's tags.
func (e *Engine) offlineImage(ctx context.Context, ref string) error {
	out := BakeOutput(ctx)
	b, err := e.Baker(out)
	if err != nil {
		return err
	}
	r := b.Recipes.ForRef(ref)
	// An image the student already has (loaded, built, or baked from the
	// current recipe) is kept: with no registry there is nothing newer, and
	// baking over it would leave theirs dangling. Only an image baked from
	// an older recipe is baked again.
	if img, err := e.images.Get(ctx, ref); err == nil {
		label := img.Config.Config.Labels[bake.LabelRecipe]
		if r == nil || label == b.Recipes.Label(r) || !strings.HasPrefix(label, r.Name+"@") {
			return nil
		}
	}
	if r == nil {
		nr := b.Recipes.NoRecipe(familiar(ref))
		nr.Local = e.localTags(ctx)
		return nr
	}
	_, err = b.BakeRef(ctx, ref)
	return err
}

// localTags are the tags of the images there are, as Docker shows them
// ("myapp:v1"): a misspelled one of the student's own, or another tag of
// it, is suggested as a recipe's name is.
func (e *Engine) localTags(ctx context.Context) []string {
	imgs, err := e.images.List(ctx)
	if err != nil {
		return nil // only a suggestion is lost
	}
	var tags []string
	for _, img := range imgs {
		tags = append(tags, img.RepoTags...)
	}
	return tags
}

type bakeOutputKey struct{}

// WithBakeOutput makes a bake started by a pull in ctx (the offline
// fallback) report its progress to w; without it, progress goes to the
// process's standard error.
func WithBakeOutput(ctx context.Context, w io.Writer) context.Context {
	return context.WithValue(ctx, bakeOutputKey{}, w)
}

// BakeOutput returns the progress writer set with WithBakeOutput.
func BakeOutput(ctx context.Context) io.Writer {
	if w, ok := ctx.Value(bakeOutputKey{}).(io.Writer); ok && w != nil {
		return w
	}
	return os.Stderr
}

func familiar(ref string) string {
	if r, err := image.ParseReference(ref); err == nil {
		return r.Familiar()
	}
	return ref
}

// BakeStatus returns the last bake of the lesson images in the state root
// root and whether it is still running (see bake.ReadStatus); it needs no
// open engine, so a shell prompt can ask.
func BakeStatus(root string) (*bake.Status, bool) {
	return bake.ReadStatus(filepath.Join(root, "build-cache"))
}

// BuildCacheDir is where builds keep their step cache and layers, and bakes
// their work (<root>/build-cache).
func (e *Engine) BuildCacheDir() string { return filepath.Join(e.root, "build-cache") }

// Builder returns the Dockerfile builder on this engine: FROM images come
// from (or are pulled into) the image store, RUN steps run in containers.
func (e *Engine) Builder() *build.Builder { return e.builder(true) }

// builder is Builder; with scoped, the images it writes carry the active
// lesson step's labels (a lesson image baked meanwhile does not).
func (e *Engine) builder(scoped bool) *build.Builder {
	return &build.Builder{
		Images:   buildImages{e: e, scoped: scoped},
		Runner:   buildRunner{e},
		CacheDir: e.BuildCacheDir(),
	}
}

// Baker returns the baker of the lesson images (recipes in content/images)
// on this engine, reporting each image's progress to out, a line a phase
// (the raw output is in each image's log file).
func (e *Engine) Baker(out io.Writer) (*bake.Baker, error) {
	rs, err := bake.LoadRecipes(images.Recipes())
	if err != nil {
		return nil, err
	}
	return &bake.Baker{
		Recipes:   rs,
		Store:     bakeStore{e},
		WorkDir:   e.BuildCacheDir(),
		Progress:  bake.LineProgress(out),
		Preflight: func() error { return container.CheckUpperFS(e.root) },
		Build: func(ctx context.Context, dir string, tags []string, labels map[string]string, mounts []build.Mount, out io.Writer) error {
			_, err := e.builder(false).Build(WithBakeOutput(ctx, out), build.Options{
				ContextDir: dir, Tags: tags, Labels: labels, RunMounts: mounts, Out: out,
			})
			return err
		},
		Run: e.runThrowaway,
	}, nil
}

// runThrowaway runs args in a container of the image ref, as a RUN step
// would, with mounts bound in, and throws its changes away: what it is run
// for is written below the mounts (the bake's apt downloads).
func (e *Engine) runThrowaway(ctx context.Context, ref string, args []string, mounts []build.Mount, out io.Writer) error {
	img, err := e.images.Get(ctx, ref)
	if err != nil {
		return err
	}
	lowers, err := e.images.LayerDirs(ctx, img)
	if err != nil {
		return err
	}
	upper, err := os.MkdirTemp(e.BuildCacheDir(), "run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(upper)
	if err := os.Chmod(upper, 0o755); err != nil {
		return err
	}
	env := append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, img.Config.Config.Env...)
	code, err := buildRunner{e}.Run(ctx, build.RunSpec{LowerDirs: lowers, UpperDir: upper, Args: args, Env: env, Mounts: mounts, Output: out})
	if err == nil && code != 0 {
		err = &build.RunError{Cmd: strings.Join(args, " "), ExitCode: code}
	}
	return err
}

// buildImages is the image store as the builder sees it.
type buildImages struct {
	e      *Engine
	scoped bool
}

func (b buildImages) Base(ctx context.Context, ref string, out io.Writer) (build.Base, error) {
	seen := map[string]string{}
	img, err := b.e.EnsureImage(WithBakeOutput(ctx, out), ref,
		func() { fmt.Fprintf(out, "pulling %s\n", familiar(ref)) },
		func(ev image.Event) {
			if seen[ev.ID] == ev.Status {
				return
			}
			seen[ev.ID] = ev.Status
			if ev.ID != "" {
				fmt.Fprintf(out, "%s: %s\n", ev.ID, ev.Status)
			} else {
				fmt.Fprintln(out, ev.Status)
			}
		})
	if err != nil {
		return build.Base{}, err
	}
	v, err := b.e.images.V1(img)
	if err != nil {
		return build.Base{}, err
	}
	return build.Base{ID: img.ID, Ref: ref, Image: v}, nil
}

func (b buildImages) LayerDirs(ctx context.Context, id string) ([]string, error) {
	img, err := b.e.images.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return b.e.images.LayerDirs(ctx, img)
}

func (b buildImages) Write(ctx context.Context, img v1.Image, tags ...string) (string, error) {
	if b.scoped {
		var err error
		if img, err = b.e.labelledImage(img); err != nil {
			return "", err
		}
	}
	stored, err := b.e.images.Write(ctx, img, tags...)
	if err != nil {
		return "", err
	}
	return stored.ID, nil
}

// bakeStore is the image store as the baker sees it.
type bakeStore struct{ e *Engine }

func (b bakeStore) Config(ctx context.Context, ref string) (*v1.ConfigFile, error) {
	img, err := b.e.images.Get(ctx, ref)
	if errors.Is(err, image.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return img.Config, nil
}

func (b bakeStore) Write(ctx context.Context, img v1.Image, tags ...string) error {
	_, err := b.e.images.Write(ctx, img, tags...)
	return err
}

func (b bakeStore) Manifest(ctx context.Context, ref string) (string, error) {
	img, err := b.e.images.Get(ctx, ref)
	if err != nil {
		return "", err
	}
	return img.ManifestDigest, nil
}

func (b bakeStore) Restore(ctx context.Context, manifest string, tags []string) error {
	_, err := b.e.images.Restore(ctx, manifest, tags...)
	if errors.Is(err, image.ErrNotFound) {
		return fmt.Errorf("%w: %w", bake.ErrGone, err)
	}
	return err
}

// buildRunner runs RUN steps as real containers on the default network
// (so apt-get reaches Debian's archive through the host's NAT).
type buildRunner struct{ e *Engine }

func (r buildRunner) Run(ctx context.Context, spec build.RunSpec) (int, error) {
	var mounts []container.Mount
	for _, m := range spec.Mounts {
		mounts = append(mounts, container.Mount{Type: "bind", Source: m.Source, Destination: m.Destination})
	}
	c, err := r.e.containers.Create(container.Spec{
		Image:     "dockyard-build",
		LowerDirs: spec.LowerDirs,
		Config: container.Config{
			Cmd: spec.Args, Env: spec.Env, WorkingDir: spec.WorkingDir, User: spec.User,
			Hostname: "buildkitsandbox",
			Labels:   map[string]string{"org.dockyard.build": "true"},
		},
		Host: container.HostConfig{NetworkMode: network.DefaultBridge, Mounts: mounts},
	})
	if err != nil {
		return 0, fmt.Errorf("create build container: %w", err)
	}
	defer func() {
		r.e.containers.Remove(context.WithoutCancel(ctx), c.ID, true) //nolint:errcheck // best effort
		r.e.releaseNetwork(context.WithoutCancel(ctx), c.ID)          //nolint:errcheck // best effort
	}()
	// Its network record, as CreateContainer writes one: the default
	// bridge (a container without a record is on none).
	if err := r.e.ConfigureNetwork(ctx, c, nil, nil); err != nil {
		return 0, fmt.Errorf("create build container: %w", err)
	}

	// The step's layer is the container's writable layer: point the
	// container's upper dir at the builder's.
	upper := filepath.Join(r.e.containers.Dir(c.ID), "upper")
	if err := os.Remove(upper); err != nil {
		return 0, fmt.Errorf("prepare build container: %w", err)
	}
	if err := os.Symlink(spec.UpperDir, upper); err != nil {
		return 0, fmt.Errorf("prepare build container: %w", err)
	}
	a, err := r.e.containers.Start(ctx, c.ID, container.StartOptions{Attach: true})
	if err != nil {
		var se *container.StartError
		if errors.As(err, &se) {
			fmt.Fprintln(spec.Output, se.Msg)
			return se.Code, nil
		}
		return 0, err
	}
	defer a.Close()
	// A cancelled build (Ctrl-C, or an API client that hung up) kills the
	// step instead of leaving it running.
	stop := context.AfterFunc(ctx, func() { _ = r.e.containers.Signal(c.ID, unix.SIGKILL) })
	defer stop()
	code, err := a.Stream(nil, spec.Output, spec.Output)
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if err != nil {
		return 0, err
	}
	if _, err := r.e.containers.Wait(ctx, c.ID); err != nil {
		return 0, err
	}
	return code, nil
}
