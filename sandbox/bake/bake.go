package bake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Store is what baking needs from the image store.
type Store interface {
	// Config returns the config of the image called ref, or nil (and no
	// error) when there is no such image.
	Config(ctx context.Context, ref string) (*v1.ConfigFile, error)
	// Write adds img to the store under tags (full references).
	Write(ctx context.Context, img v1.Image, tags ...string) error
	// Manifest returns the manifest digest of the image called ref.
	Manifest(ctx context.Context, ref string) (string, error)
	// Restore points tags at the image with manifest, still whole in the
	// store though untagged; an error matching ErrGone when it is not.
	Restore(ctx context.Context, manifest string, tags []string) error
}

// BuildFunc builds the Dockerfile in dir (a recipe's files) with labels
// added to the image, writes it under tags and reports progress to out.
type BuildFunc func(ctx context.Context, dir string, tags []string, labels map[string]string, out io.Writer) error

// Baker bakes recipes into a store.
type Baker struct {
	Recipes *Recipes
	Store   Store
	// Build runs a Dockerfile recipe; needed for every image but the base.
	Build BuildFunc
	// WorkDir holds temporary root filesystems and the bake lock; it must be
	// on the same file system as the store (e.g. <root>/build-cache).
	WorkDir string
	// Out receives progress, one line per event.
	Out io.Writer
	// Mirror overrides the apt mirror for bootstrapping (default: the
	// host's own, from /etc/apt).
	Mirror string
}

// Result says what Bake did for one image.
type Result struct {
	Name     string
	Tags     []string
	Cached   bool // the image was already baked from this recipe
	Restored bool // the image was removed and brought back from its last bake
	Duration time.Duration
}

// NoRecipeError is returned for an image no recipe makes.
type NoRecipeError struct {
	Ref   string
	Known []string // the recipes there are
}

func (e *NoRecipeError) Error() string {
	if len(e.Known) == 0 {
		return "no recipe for " + e.Ref
	}
	return fmt.Sprintf("no recipe for %s (Dockyard can bake: %s)", e.Ref, strings.Join(e.Known, ", "))
}

// BakeRef bakes the image that ref names ("postgres", "postgres:15") and
// what it is built on. It is the image store's fallback when no registry
// answers a pull.
func (b *Baker) BakeRef(ctx context.Context, ref string) ([]Result, error) {
	r := b.Recipes.ForRef(ref)
	if r == nil {
		return nil, &NoRecipeError{Ref: ref, Known: b.Recipes.Names()}
	}
	return b.Bake(ctx, r.Name)
}

// BakeAll bakes every recipe, bases first.
func (b *Baker) BakeAll(ctx context.Context) ([]Result, error) {
	var out []Result
	for _, n := range b.Recipes.Names() {
		res, err := b.bakeOne(ctx, b.Recipes.Get(n), map[string]bool{})
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}

// Bake bakes the recipe called name after the recipes it is built FROM,
// skipping every image already baked from its current recipe.
func (b *Baker) Bake(ctx context.Context, name string) ([]Result, error) {
	r := b.Recipes.Get(name)
	if r == nil {
		return nil, &NoRecipeError{Ref: name, Known: b.Recipes.Names()}
	}
	var out []Result
	var visit func(r *Recipe) error
	done := map[string]bool{}
	visit = func(r *Recipe) error {
		for _, from := range r.From {
			if dep := b.Recipes.ForRef(from); dep != nil && !done[dep.Name] {
				if err := visit(dep); err != nil {
					return err
				}
			}
		}
		res, err := b.bakeOne(ctx, r, done)
		if err != nil {
			return err
		}
		out = append(out, res)
		return nil
	}
	return out, visit(r)
}

func (b *Baker) bakeOne(ctx context.Context, r *Recipe, done map[string]bool) (Result, error) {
	done[r.Name] = true
	start := time.Now()
	res := Result{Name: r.Name, Tags: r.Familiar()}
	if err := os.MkdirAll(b.WorkDir, 0o700); err != nil {
		return res, fmt.Errorf("bake %s: %w", r.Name, err)
	}
	// One bake at a time per state root: a second process waits, then finds
	// the image baked.
	lock := flock.New(filepath.Join(b.WorkDir, "bake.lock"))
	if err := lock.Lock(); err != nil {
		return res, fmt.Errorf("bake %s: lock: %w", r.Name, err)
	}
	defer lock.Unlock()

	label := b.Recipes.Label(r)
	current, err := b.current(ctx, r, label)
	if err != nil {
		return res, fmt.Errorf("bake %s: %w", r.Name, err)
	}
	if current {
		// A root baked before images were kept learns what it has.
		if all, err := readBaked(b.WorkDir); err == nil && all[r.Name].Label != label {
			if err := b.remember(ctx, r, label); err != nil {
				return res, fmt.Errorf("bake %s: %w", r.Name, err)
			}
		}
		res.Cached = true
		res.Duration = time.Since(start)
		fmt.Fprintf(b.Out, "[%s] %s is up to date (recipe %s)\n", r.Name, strings.Join(res.Tags, ", "), short(label))
		return res, nil
	}
	// Removed ("docker rmi") since its last bake: its layers are kept.
	if ok, err := b.restore(ctx, r, label); err != nil || ok {
		res.Restored = ok
		res.Duration = time.Since(start)
		return res, err
	}
	if r.Bootstrap != nil {
		err = b.bootstrap(ctx, r, label)
	} else {
		err = b.build(ctx, r, label)
	}
	if err != nil {
		return res, fmt.Errorf("bake %s: %w", r.Name, err)
	}
	if err := b.remember(ctx, r, label); err != nil {
		return res, fmt.Errorf("bake %s: %w", r.Name, err)
	}
	res.Duration = time.Since(start)
	fmt.Fprintf(b.Out, "[%s] baked %s in %.1fs\n", r.Name, strings.Join(res.Tags, ", "), res.Duration.Seconds())
	return res, nil
}

// current reports whether every tag of r names an image baked from label.
func (b *Baker) current(ctx context.Context, r *Recipe, label string) (bool, error) {
	for _, t := range r.Tags {
		cfg, err := b.Store.Config(ctx, t)
		if err != nil {
			return false, err
		}
		if cfg == nil || cfg.Config.Labels[LabelRecipe] != label {
			return false, nil
		}
	}
	return true, nil
}

func (b *Baker) build(ctx context.Context, r *Recipe, label string) error {
	if b.Build == nil {
		return errors.New("no builder to run its Dockerfile")
	}
	dir, err := os.MkdirTemp(b.WorkDir, "recipe-"+r.Name+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := os.CopyFS(dir, r.Files()); err != nil {
		return fmt.Errorf("unpack recipe: %w", err)
	}
	// Embedded files carry no modes; entrypoints must stay executable.
	if err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(p, ".sh") {
			return os.Chmod(p, 0o755)
		}
		return nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(b.Out, "[%s] building %s from its Dockerfile\n", r.Name, strings.Join(r.Familiar(), ", "))
	return b.Build(ctx, dir, r.Tags, map[string]string{LabelRecipe: label}, b.Out)
}

func short(label string) string {
	if i := strings.Index(label, "sha256:"); i >= 0 && len(label) >= i+7+12 {
		return label[i : i+7+12]
	}
	return label
}
