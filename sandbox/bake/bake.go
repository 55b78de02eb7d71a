package bake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/util/suggest"
	"golang.org/x/sync/errgroup"

	"github.com/dockyard-lab/dockyard/sandbox/build"
	"github.com/dockyard-lab/dockyard/sandbox/image"
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
// added to the image and mounts bound into every RUN step, writes it under
// tags and reports progress to out.
type BuildFunc func(ctx context.Context, dir string, tags []string, labels map[string]string, mounts []build.Mount, out io.Writer) error

// RunFunc runs args in a container of the image ref with mounts bound in,
// throwing its changes away, and reports its output to out.
type RunFunc func(ctx context.Context, ref string, args []string, mounts []build.Mount, out io.Writer) error

// Baker bakes recipes into a store.
type Baker struct {
	Recipes *Recipes
	Store   Store
	// Build runs a Dockerfile recipe; needed for every image but the base.
	Build BuildFunc
	// Run, when set, downloads the packages of the images built on a base
	// once, before they build side by side (see apt.go).
	Run RunFunc
	// WorkDir holds temporary root filesystems and the bake lock; it must be
	// on the same file system as the store (e.g. <root>/build-cache).
	WorkDir string
	// Out, when set, receives the raw output of every bake (--verbose),
	// each line after its image's name; it is always in the image's log
	// file (<WorkDir>/logs/NAME.log).
	Out io.Writer
	// Progress, when set, is told each image's phase and fraction as they
	// move (from several goroutines, one call at a time).
	Progress func(Progress)
	// Preflight, when set, is asked before anything is baked: a state root
	// where no container can run fails here, not after the bootstrap.
	Preflight func() error
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
	// Tags are the tags a recipe of Ref's repository makes, when there is
	// one but not of Ref's tag (postgres:16 when postgres is 15).
	Tags []string
	// Local are the tags of the images there are, as Docker shows them
	// ("myapp:v1" the student built): a typo may mean one of their
	// repositories as well as a recipe, and a tag missing from a
	// repository there is most likely one of its other tags.
	Local []string
}

func (e *NoRecipeError) Error() string {
	switch {
	case len(e.Tags) > 0:
		return fmt.Sprintf("no recipe for %s (Dockyard bakes it only as %s: use one of those)", e.Ref, strings.Join(e.Tags, " or "))
	case len(e.Known) == 0:
		return "no recipe for " + e.Ref
	}
	return fmt.Sprintf("no recipe for %s (Dockyard can bake: %s%s)", e.Ref, strings.Join(e.Known, ", "), e.suggest())
}

// suggest is "; did you mean busybox?" when the repository asked for is
// one or two letters away from a recipe's name: most often a typo.
func (e *NoRecipeError) suggest() string {
	if best := e.Suggestion(); best != "" {
		return "; did you mean " + best + "?"
	}
	return ""
}

// Suggestion is the recipe's or local repository's name one or two letters
// away from the repository asked for ("nginx" for "nignx", "myapp" for
// "myap"), or "" when none is that near.
func (e *NoRecipeError) Suggestion() string {
	repo := lastName(e.Ref)
	if i := strings.IndexAny(repo, ":@"); i >= 0 {
		repo = repo[:i]
	}
	// Searched by their last names ("app" of "me/app"), named in full.
	full := map[string]string{}
	names := append([]string(nil), e.Known...)
	for _, t := range e.Local {
		r := repository(t)
		if n := lastName(r); full[n] == "" && !slices.Contains(e.Known, n) {
			full[n] = r
			names = append(names, n)
		}
	}
	best, ok := suggest.Search(repo, names, true)
	if !ok {
		return ""
	}
	if f, ok := full[best]; ok {
		return f
	}
	return best
}

// OtherTags are the tags there are of Ref's repository when Ref's own tag
// is not one of them: myapp:v1 for a run of myapp (myapp:latest).
func (e *NoRecipeError) OtherTags() []string {
	var tags []string
	for _, t := range e.Local {
		if repository(t) == repository(e.Ref) && t != e.Ref {
			tags = append(tags, t)
		}
	}
	return tags
}

// Unbaked reports whether Ref's repository is no lesson image at all
// (myapp, not postgres:16): an image the student makes, or loads.
func (e *NoRecipeError) Unbaked() bool { return len(e.Tags) == 0 }

// repository is a reference's repository as Docker shows it, without its
// tag or digest: "me/app" of "me/app:1", "myapp" of
// "docker.io/library/myapp:latest"; a reference that does not parse is
// its own.
func repository(ref string) string {
	n, err := image.ParseNormalized(ref)
	if err != nil {
		return ref
	}
	return n.FamiliarName()
}

// lastName is a reference's last path element: "app:1" of "me/app:1".
func lastName(ref string) string {
	if i := strings.LastIndexByte(ref, '/'); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

// BakeRef brings back the image that ref names ("postgres",
// "postgres:15") as a pull of it does: under that tag only, from its last
// bake when it can, else baked with what it is built on. It is the image
// store's fallback when no registry answers a pull.
func (b *Baker) BakeRef(ctx context.Context, ref string) ([]Result, error) {
	r := b.Recipes.ForRef(ref)
	if r == nil {
		return nil, b.Recipes.NoRecipe(ref)
	}
	one := r.only(mustParse(ref).WithDefaultTag().String())
	// Up to date or kept from its last bake, the image needs none of its
	// bases, and they stay as the student left them.
	res, err := b.bake(ctx, []*Recipe{one}, false)
	if err != nil || res[0].Cached || res[0].Restored {
		return res, err
	}
	return b.bake(ctx, b.withBases(one), true)
}

// BakeAll bakes every recipe: bases first, then the images built on them
// side by side.
func (b *Baker) BakeAll(ctx context.Context) ([]Result, error) {
	names := b.Recipes.Names()
	rs := make([]*Recipe, len(names))
	for i, n := range names {
		rs[i] = b.Recipes.Get(n)
	}
	return b.bake(ctx, rs, true)
}

// Bake bakes the recipes called names after the recipes they are built
// FROM, skipping every image already baked from its current recipe.
func (b *Baker) Bake(ctx context.Context, names ...string) ([]Result, error) {
	rs := make([]*Recipe, len(names))
	for i, n := range names {
		if rs[i] = b.Recipes.Get(n); rs[i] == nil {
			return nil, &NoRecipeError{Ref: n, Known: b.Recipes.Names()}
		}
	}
	return b.bake(ctx, b.withBases(rs...), true)
}

// withBases lists rs after the recipes they are built FROM, each once.
func (b *Baker) withBases(rs ...*Recipe) []*Recipe {
	var all []*Recipe
	seen := map[string]bool{}
	var visit func(r *Recipe)
	visit = func(r *Recipe) {
		if seen[r.Name] {
			return
		}
		seen[r.Name] = true
		for _, from := range r.From {
			if dep := b.Recipes.ForRef(from); dep != nil {
				visit(dep)
			}
		}
		all = append(all, r)
	}
	for _, r := range rs {
		visit(r)
	}
	return all
}

// bake bakes rs (each after those it is built FROM, which rs lists before
// it), each image as soon as its bases are done; unless mayBuild, it only
// brings back images up to date or kept from their last bake. One bake at
// a time per state root: a second process waits, then finds the images
// baked.
func (b *Baker) bake(ctx context.Context, rs []*Recipe, mayBuild bool) ([]Result, error) {
	if err := os.MkdirAll(b.WorkDir, 0o700); err != nil {
		return nil, fmt.Errorf("bake: %w", err)
	}
	if b.Preflight != nil {
		if err := b.Preflight(); err != nil {
			return nil, err
		}
	}
	lock := flock.New(filepath.Join(b.WorkDir, "bake.lock"))
	ok, err := lock.TryLock()
	if err != nil {
		return nil, fmt.Errorf("bake: lock: %w", err)
	}
	if !ok {
		res, done, err := b.waitOther(ctx, lock, rs)
		if err != nil || done {
			return res, err
		}
	}
	defer lock.Unlock()
	b.aptCache().removeCopies()

	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.Name
	}
	t := newTracker(b, names)
	apt := newAptPrefetch(b, rs)
	results := make([]Result, len(rs))
	done := map[string]chan struct{}{}
	for _, n := range names {
		done[n] = make(chan struct{})
	}
	g, gctx := errgroup.WithContext(ctx)
	for i, r := range rs {
		n := r.Name
		g.Go(func() error {
			defer close(done[n])
			for _, from := range r.From {
				if dep := b.Recipes.ForRef(from); dep != nil && done[dep.Name] != nil {
					select {
					case <-done[dep.Name]:
					case <-gctx.Done():
						t.image(n).finish(PhaseFailed)
						return gctx.Err()
					}
				}
			}
			if err := gctx.Err(); err != nil {
				t.image(n).finish(PhaseFailed)
				return err
			}
			res, err := b.bakeOne(gctx, r, t.image(n), apt, mayBuild)
			results[i] = res
			return err
		})
	}
	err = g.Wait()
	var out []Result
	for _, r := range results {
		if r.Name != "" {
			out = append(out, r)
		}
	}
	return out, err
}

// waitOther waits while another process bakes in the same state root,
// showing that bake's progress of rs as if it were this one's. It returns
// done when every image in rs is baked by then (the other bake may go on
// with others), or with the lock taken.
func (b *Baker) waitOther(ctx context.Context, lock *flock.Flock, rs []*Recipe) ([]Result, bool, error) {
	start := time.Now()
	want := map[string]bool{}
	for _, r := range rs {
		want[r.Name] = true
	}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		// Shown: the other bake's images among rs. Done: every image in rs
		// baked from its current recipe, by whichever bake.
		st, _ := ReadStatus(b.WorkDir)
		busy := map[string]bool{}
		if st != nil {
			for _, p := range st.Images {
				if !want[p.Name] {
					continue
				}
				if b.Progress != nil {
					b.Progress(p)
				}
				busy[p.Name] = !p.Finished()
			}
		}
		var out []Result
		for _, r := range rs {
			if busy[r.Name] {
				break
			}
			current, err := b.current(ctx, r, b.Recipes.Label(r))
			if err != nil || !current {
				break
			}
			out = append(out, Result{Name: r.Name, Tags: r.Familiar(), Cached: true, Duration: time.Since(start)})
		}
		if len(out) == len(rs) {
			return out, true, nil
		}
		select {
		case <-ctx.Done():
			return nil, false, ctx.Err()
		case <-tick.C:
		}
		ok, err := lock.TryLock()
		if err != nil {
			return nil, false, fmt.Errorf("bake: lock: %w", err)
		}
		if ok {
			return nil, false, nil
		}
	}
}

// bakeOne bakes r unless it is up to date or kept from its last bake;
// unless mayBuild, it leaves an image that must be built as it is.
func (b *Baker) bakeOne(ctx context.Context, r *Recipe, it *imageTrack, apt *aptPrefetch, mayBuild bool) (res Result, err error) {
	start := time.Now()
	res = Result{Name: r.Name, Tags: r.Familiar()}
	defer func() {
		res.Duration = time.Since(start)
		switch {
		case err != nil:
			it.finish(PhaseFailed)
			err = it.failure(err)
		case res.Cached, res.Restored:
			it.finish(PhaseUpToDate)
		case !mayBuild:
			it.finish(PhaseWaiting)
		default:
			it.printf("baked %s in %.1fs", strings.Join(res.Tags, ", "), res.Duration.Seconds())
			it.finish(PhaseDone)
		}
	}()

	label := b.Recipes.Label(r)
	current, err := b.current(ctx, r, label)
	if err != nil {
		return res, err
	}
	if current {
		// A root baked before images were kept learns what it has.
		if all, err := readBaked(b.WorkDir); err == nil && all[r.Name].Label != label {
			if err := b.remember(ctx, r, label); err != nil {
				return res, err
			}
		}
		res.Cached = true
		it.printf("%s is up to date (recipe %s)", strings.Join(res.Tags, ", "), short(label))
		return res, nil
	}
	// Removed ("docker rmi") since its last bake: its layers are kept.
	if ok, err := b.restore(ctx, r, label); err != nil || ok {
		res.Restored = ok
		if ok {
			it.printf("brought %s back from its last bake", strings.Join(res.Tags, ", "))
		}
		return res, err
	}
	if !mayBuild {
		return res, nil
	}
	if r.Bootstrap != nil {
		it.set(PhaseBootstrap, 0)
		err = b.bootstrap(ctx, r, label, it)
	} else {
		it.set(PhaseInstall, 0)
		apt.before(ctx, r, it)
		err = b.build(ctx, r, label, it)
	}
	if err != nil {
		return res, err
	}
	return res, b.remember(ctx, r, label)
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

func (b *Baker) build(ctx context.Context, r *Recipe, label string, it *imageTrack) error {
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
	var mounts []build.Mount
	if len(r.installs) > 0 {
		co, err := b.aptCache().checkout(r.Name)
		if err != nil {
			return err
		}
		defer func() {
			n, cerr := co.checkin()
			if cerr != nil {
				it.printf("apt: %v", cerr)
			}
			it.printf("apt: the build fetched %d packages itself (%d were in the shared cache)", n, len(co.had))
		}()
		mounts = co.mounts()
	}
	it.printf("building %s from its Dockerfile", strings.Join(r.Familiar(), ", "))
	return b.Build(ctx, dir, r.Tags, map[string]string{LabelRecipe: label}, mounts, it)
}

func short(label string) string {
	if i := strings.Index(label, "sha256:"); i >= 0 && len(label) >= i+7+12 {
		return label[i : i+7+12]
	}
	return label
}
