package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// view gives a read-only look at a state's file system: its single layer
// directory, or a read-only overlay of its layers mounted in the cache.
// release unmounts it; it is safe to call twice.
func (r *run) view(ctx context.Context, st *state) (string, func(), error) {
	dirs, err := r.lowerDirs(ctx, st)
	if err != nil {
		return "", nil, err
	}
	switch len(dirs) {
	case 0:
		empty, err := os.MkdirTemp(r.b.CacheDir, tempPrefix("view-"))
		if err != nil {
			return "", nil, err
		}
		return empty, func() { os.RemoveAll(empty) }, nil
	case 1:
		return dirs[0], func() {}, nil
	}
	target, err := os.MkdirTemp(r.b.CacheDir, tempPrefix("view-"))
	if err != nil {
		return "", nil, err
	}
	esc := make([]string, len(dirs))
	for i, d := range dirs {
		esc[i] = strings.NewReplacer(`\`, `\\`, `:`, `\:`, `,`, `\,`).Replace(d)
	}
	if err := unix.Mount("overlay", target, "overlay", unix.MS_RDONLY, "lowerdir="+strings.Join(esc, ":")); err != nil {
		os.Remove(target)
		return "", nil, fmt.Errorf("mount image layers: %w", err)
	}
	released := false
	return target, func() {
		if released {
			return
		}
		released = true
		unix.Unmount(target, unix.MNT_DETACH)
		os.Remove(target)
	}, nil
}

// tempPrefix names a build's temporary files and mounts with its pid, so
// that a later build can tell those of a killed build from a running one's.
func tempPrefix(kind string) string { return fmt.Sprintf("%s%d-", kind, os.Getpid()) }

// removeStale clears what killed builds left in the cache: their view
// mounts and half-made layers.
func (b *Builder) removeStale() {
	var stale []string
	for _, pattern := range []string{"view-*", "layers/run-*", "layers/copy-*", "layers/workdir-*"} {
		matches, _ := filepath.Glob(filepath.Join(b.CacheDir, pattern))
		stale = append(stale, matches...)
	}
	for _, p := range stale {
		base := filepath.Base(p)
		_, rest, _ := strings.Cut(base, "-")
		pid, _, _ := strings.Cut(rest, "-")
		if _, err := os.Stat("/proc/" + pid); err == nil || pid == "" {
			continue
		}
		unix.Unmount(p, unix.MNT_DETACH)
		os.RemoveAll(p)
	}
}
