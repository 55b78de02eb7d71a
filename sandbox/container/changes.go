package container

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"
)

// Change is one line of `docker diff`: a path of the container's root
// filesystem that differs from its image.
type Change struct {
	Kind ChangeKind
	Path string
}

// ChangeKind is Docker's: C, A or D in docker diff, 0, 1 or 2 in the API.
type ChangeKind int

const (
	Modified ChangeKind = iota
	Added
	Deleted
)

// String is the letter docker diff prints.
func (k ChangeKind) String() string { return [...]string{"C", "A", "D"}[k] }

// mountTargets are what the engine mounts over at every start; when the
// image lacks them they are made in the writable layer, which Docker keeps
// in a layer of its own that docker diff does not show.
var mountTargets = []string{"/proc", "/sys", "/dev", "/etc/hosts", "/etc/hostname", "/etc/resolv.conf"}

// Changes lists what the container changed on top of its image, as docker
// diff does, sorted by path: files and directories added or changed in its
// writable layer, and those it deleted (overlayfs whiteouts).
func (s *Store) Changes(ref string) ([]Change, error) {
	c, err := s.Get(ref)
	if err != nil {
		return nil, err
	}
	upper := filepath.Join(s.Dir(c.ID), "upper")
	// inImage looks p up in the image's layers, resolving symlinks of the
	// image inside each layer: an image's /x -> /etc must not make it ask
	// about the host's /etc.
	inImage := func(p string) bool {
		for _, l := range c.Spec.LowerDirs {
			dir, err := securejoin.SecureJoin(l, path.Dir(p))
			if err != nil {
				continue
			}
			if _, err := os.Lstat(filepath.Join(dir, path.Base(p))); err == nil {
				return true
			}
		}
		return false
	}
	var changes []Change
	changed := map[string]bool{} // directories with a change below them
	err = filepath.WalkDir(upper, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == upper {
			return nil
		}
		rel := path.Clean("/" + filepath.ToSlash(strings.TrimPrefix(p, upper)))
		in := inImage(rel)
		if isMountTarget(rel) && !in {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		ch := Change{Path: rel}
		switch {
		case isWhiteout(p, d):
			ch.Kind = Deleted
		case in:
			ch.Kind = Modified
			if d.IsDir() {
				// A directory of the image is in the layer because something
				// below it changed: it is listed when that something is.
				return nil
			}
		default:
			ch.Kind = Added
		}
		changes = append(changes, ch)
		for dir := path.Dir(ch.Path); dir != "/"; dir = path.Dir(dir) {
			changed[dir] = true
		}
		if ch.Kind == Deleted && d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for dir := range changed {
		if inImage(dir) {
			changes = append(changes, Change{Kind: Modified, Path: dir})
		}
	}
	sort.Slice(changes, func(i, j int) bool { return changes[i].Path < changes[j].Path })
	return changes, nil
}

func isMountTarget(p string) bool {
	for _, t := range mountTargets {
		if p == t || strings.HasPrefix(p, t+"/") {
			return true
		}
	}
	return false
}

// isWhiteout reports an overlayfs whiteout: a character device 0/0.
func isWhiteout(p string, d fs.DirEntry) bool {
	if d.Type()&fs.ModeCharDevice == 0 {
		return false
	}
	var st unix.Stat_t
	return unix.Lstat(p, &st) == nil && st.Rdev == 0
}
