package build

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofrs/flock"

	"github.com/dockyard-lab/dockyard/sandbox/diskusage"
)

// ErrBuildRunning is returned by Prune while a build uses the cache.
var ErrBuildRunning = errors.New("a build is using the build cache; prune it when the build has finished")

// useLock is held shared by every build and exclusively by Prune, so the
// cache never loses a layer a running build is about to use.
func (b *Builder) useLock() *flock.Flock {
	return flock.New(filepath.Join(b.CacheDir, "use.lock"))
}

// Prune removes every cached step and layer and returns the bytes freed.
// Images already built keep their layers (the image store has its own
// copy); the next build of them runs every step again.
func (b *Builder) Prune() (int64, error) {
	if err := os.MkdirAll(b.CacheDir, 0o700); err != nil {
		return 0, err
	}
	l := b.useLock()
	ok, err := l.TryLock()
	if err != nil {
		return 0, fmt.Errorf("lock build cache: %w", err)
	}
	if !ok {
		return 0, ErrBuildRunning
	}
	defer l.Unlock()
	b.removeStale()
	var freed int64
	for _, d := range []string{"steps", "layers"} {
		dir := filepath.Join(b.CacheDir, d)
		freed += diskusage.Tree(dir)
		if err := os.RemoveAll(dir); err != nil {
			return freed, fmt.Errorf("prune build cache: %w", err)
		}
	}
	return freed, nil
}

// CacheUsage is the build cache as `docker system df` shows it: the
// cached steps and the bytes the cache takes (all of which Prune frees).
func (b *Builder) CacheUsage() (steps int, size int64) {
	ents, _ := os.ReadDir(filepath.Join(b.CacheDir, "steps"))
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".json") {
			steps++
		}
	}
	return steps, diskusage.Tree(filepath.Join(b.CacheDir, "steps")) + diskusage.Tree(filepath.Join(b.CacheDir, "layers"))
}
