package build

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/gofrs/flock"
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
		filepath.WalkDir(dir, func(_ string, e fs.DirEntry, err error) error {
			if err == nil && e.Type().IsRegular() {
				if fi, err := e.Info(); err == nil {
					freed += fi.Size()
				}
			}
			return nil
		})
		if err := os.RemoveAll(dir); err != nil {
			return freed, fmt.Errorf("prune build cache: %w", err)
		}
	}
	return freed, nil
}
