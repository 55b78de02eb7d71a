package bake

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/dockyard-lab/dockyard/sandbox/build"
)

// The apt cache every bake in a state root shares, <WorkDir>/apt: the
// packages (archives/) and package lists (lists/) that the base image's
// bootstrap and the Dockerfiles' apt-get fetched, so that nothing is
// fetched twice, neither by the images baked side by side nor by a later
// bake of a changed recipe.
//
// apt locks the folders it downloads into (archives/lock, lists/lock), so
// builds running at once cannot share one: each build gets a copy made of
// hard links (no data is copied), bound at /var/cache/apt/archives and
// /var/lib/apt/lists of its RUN steps, and what it fetched is linked back
// into the cache when it is done. apt writes a download under partial/ and
// renames it into place, never into an existing file, so a file linked
// into several copies is never changed under another build. Before the
// images built on a base start, their packages are downloaded once, in one
// container of the base (aptPrefetch).
const aptDir = "apt"

// aptUID is the _apt user of Debian's images, who downloads into partial/.
const aptUID = 42

type aptCache struct{ dir string }

func (b *Baker) aptCache() aptCache { return aptCache{dir: filepath.Join(b.WorkDir, aptDir)} }

func (c aptCache) archives() string { return filepath.Join(c.dir, "archives") }
func (c aptCache) lists() string    { return filepath.Join(c.dir, "lists") }

// init makes the cache's folders, with partial/ folders apt's _apt user
// can write into.
func (c aptCache) init() error {
	return aptDirs(c.archives(), c.lists())
}

func aptDirs(archives, lists string) error {
	for _, d := range []string{archives, lists} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		p := filepath.Join(d, "partial")
		if err := os.MkdirAll(p, 0o700); err != nil {
			return err
		}
		if err := os.Chown(p, aptUID, 0); err != nil {
			return err
		}
	}
	return nil
}

// removeCopies removes the copies that builds of a bake killed midway
// left. The bake lock is held.
func (c aptCache) removeCopies() {
	old, _ := filepath.Glob(filepath.Join(c.dir, "build-*"))
	for _, d := range old {
		os.RemoveAll(d)
	}
}

// aptMounts binds archives and lists where apt keeps them.
func aptMounts(archives, lists string) []build.Mount {
	return []build.Mount{
		{Source: archives, Destination: "/var/cache/apt/archives"},
		{Source: lists, Destination: "/var/lib/apt/lists"},
	}
}

// debs lists the package files in dir.
func debs(dir string) map[string]bool {
	out := map[string]bool{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".deb") {
			out[e.Name()] = true
		}
	}
	return out
}

// aptCopy is one build's copy of the cache.
type aptCopy struct {
	c          aptCache
	dir        string
	had        map[string]bool // the packages the copy started with
	archives   string
	lists      string
	fetchedNow int
}

// checkout makes a copy of the cache for one build, of hard links.
func (c aptCache) checkout(name string) (*aptCopy, error) {
	if err := c.init(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(c.dir, "build-"+name+"-")
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	co := &aptCopy{c: c, dir: dir, archives: filepath.Join(dir, "archives"), lists: filepath.Join(dir, "lists")}
	if err := aptDirs(co.archives, co.lists); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	for _, pair := range [][2]string{{c.archives(), co.archives}, {c.lists(), co.lists}} {
		if err := linkFiles(pair[0], pair[1], false); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("apt cache: %w", err)
		}
	}
	co.had = debs(co.archives)
	return co, nil
}

func (co *aptCopy) mounts() []build.Mount { return aptMounts(co.archives, co.lists) }

// checkin links what the build fetched into the cache and removes the
// copy. It returns how many packages the build fetched.
func (co *aptCopy) checkin() (int, error) {
	defer os.RemoveAll(co.dir)
	n := 0
	for d := range debs(co.archives) {
		if !co.had[d] {
			n++
		}
	}
	if err := co.c.add(co.archives, co.lists); err != nil {
		return n, err
	}
	return n, nil
}

// add links the packages and lists in archives and lists (folders on the
// cache's file system) into the cache: new packages, and lists that are
// not the cache's own files (a list apt fetched again is newer).
func (c aptCache) add(archives, lists string) error {
	if err := c.init(); err != nil {
		return err
	}
	if err := linkFiles(archives, c.archives(), false); err != nil {
		return fmt.Errorf("apt cache: %w", err)
	}
	if err := linkFiles(lists, c.lists(), true); err != nil {
		return fmt.Errorf("apt cache: %w", err)
	}
	return nil
}

// linkFiles hard-links the regular files of src (not its lock, not its
// sub-folders such as partial/) into dst. A file dst has already is kept,
// unless replace is set and it is another file.
func linkFiles(src, dst string, replace bool) error {
	entries, err := os.ReadDir(src)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || e.Name() == "lock" {
			continue
		}
		from, to := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		err := os.Link(from, to)
		if !errors.Is(err, os.ErrExist) {
			if err != nil {
				return err
			}
			continue
		}
		if !replace {
			continue
		}
		a, aerr := os.Stat(from)
		b, berr := os.Stat(to)
		if aerr == nil && berr == nil && os.SameFile(a, b) {
			continue
		}
		tmp := filepath.Join(dst, ".new-"+e.Name())
		os.Remove(tmp)
		if err := os.Link(from, tmp); err != nil {
			return err
		}
		if err := os.Rename(tmp, to); err != nil {
			return err
		}
	}
	return nil
}

// aptPrefetch downloads, once per base image in a bake, the packages of
// every image about to be built on that base, before those builds start
// side by side.
type aptPrefetch struct {
	b    *Baker
	rs   []*Recipe // the bake's images
	mu   sync.Mutex
	once map[string]*sync.Once
}

func newAptPrefetch(b *Baker, rs []*Recipe) *aptPrefetch {
	return &aptPrefetch{b: b, rs: rs, once: map[string]*sync.Once{}}
}

// before is called by the build of r, before it starts: the first build on
// each base downloads the packages of all of them; the others wait for it.
// A failed download is only written to the log: each build then fetches
// what it lacks itself.
func (p *aptPrefetch) before(ctx context.Context, r *Recipe, out io.Writer) {
	if p == nil || p.b.Run == nil {
		return
	}
	for _, base := range r.aptBases() {
		p.mu.Lock()
		o := p.once[base]
		if o == nil {
			o = &sync.Once{}
			p.once[base] = o
		}
		p.mu.Unlock()
		o.Do(func() {
			if err := p.fetch(ctx, base, out); err != nil {
				fmt.Fprintf(out, "apt: downloading the packages ahead failed, each build fetches its own: %v\n", err)
			}
		})
	}
}

// fetch downloads into the cache the packages that the images of the bake
// built on base (and not up to date) install.
func (p *aptPrefetch) fetch(ctx context.Context, base string, out io.Writer) error {
	var users []string
	var script []string
	for _, r := range p.rs {
		if !p.b.willBuild(ctx, r) {
			continue
		}
		var mine bool
		for _, in := range r.installs {
			if in.Base != base {
				continue
			}
			mine = true
			cmd := "apt-get install --download-only -y"
			if in.NoRecommends {
				cmd += " --no-install-recommends"
			}
			script = append(script, cmd+" "+strings.Join(in.Packages, " "))
		}
		if mine {
			users = append(users, r.Name)
		}
	}
	if len(script) == 0 {
		return nil
	}
	c := p.b.aptCache()
	if err := c.init(); err != nil {
		return err
	}
	had := debs(c.archives())
	fmt.Fprintf(out, "apt: downloading the packages of %s once, into the shared cache\n", strings.Join(users, ", "))
	args := []string{"sh", "-c", "apt-get update && " + strings.Join(script, " && ")}
	if err := p.b.Run(ctx, base, args, aptMounts(c.archives(), c.lists()), out); err != nil {
		return err
	}
	n := 0
	for d := range debs(c.archives()) {
		if !had[d] {
			n++
		}
	}
	fmt.Fprintf(out, "apt: fetched %d packages for %s (%d were in the cache)\n", n, strings.Join(users, ", "), len(had))
	return nil
}

// willBuild reports whether r is neither up to date nor to be brought
// back from its last bake.
func (b *Baker) willBuild(ctx context.Context, r *Recipe) bool {
	label := b.Recipes.Label(r)
	if current, err := b.current(ctx, r, label); err != nil || current {
		return false
	}
	all, err := readBaked(b.WorkDir)
	return err != nil || all[r.Name].Label != label
}

// aptBases lists the images r's apt-get installs run on.
func (r *Recipe) aptBases() []string {
	seen := map[string]bool{}
	var out []string
	for _, in := range r.installs {
		if !seen[in.Base] {
			seen[in.Base] = true
			out = append(out, in.Base)
		}
	}
	sort.Strings(out)
	return out
}
