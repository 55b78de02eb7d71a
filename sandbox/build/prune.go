package build

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

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

// CacheRecord is one cached layer, as `docker system df` counts the
// build cache: its archive, its record and its unpacked tree.
type CacheRecord struct {
	ID       string // the layer's diff id
	Size     int64
	LastUsed time.Time
}

// CacheUsage lists the cached layers, also those a build that was
// interrupted left unfinished, which Prune removes as well. (The cached
// steps' small records are not counted.)
func (b *Builder) CacheUsage() []CacheRecord {
	dir := filepath.Join(b.CacheDir, "layers")
	ents, _ := os.ReadDir(dir)
	byID := map[string]*CacheRecord{}
	var out []*CacheRecord
	for _, e := range ents {
		// <hex>, <hex>.json and <hex>.tar.gz are one layer.
		hex, _, _ := strings.Cut(e.Name(), ".")
		r, ok := byID[hex]
		if !ok {
			r = &CacheRecord{ID: "sha256:" + hex}
			byID[hex] = r
			out = append(out, r)
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		if fi.IsDir() {
			r.Size += diskusage.Tree(filepath.Join(dir, e.Name()))
		} else {
			r.Size += fi.Size()
		}
		if fi.ModTime().After(r.LastUsed) {
			r.LastUsed = fi.ModTime()
		}
	}
	records := make([]CacheRecord, len(out))
	for i, r := range out {
		records[i] = *r
	}
	return records
}
