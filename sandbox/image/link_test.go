package image_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/build"
	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// A layer packed on this machine is linked into the store: its blob is the
// packed file itself and its unpacked files are the packed directory's, and
// what the store holds is what unpacking the blob gives.
func TestWriteLinksLocalLayer(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (owners, overlay whiteouts, trusted xattrs)")
	}
	ctx := context.Background()
	tmp := t.TempDir()
	src := filepath.Join(tmp, "upper")
	mustDo(t, os.MkdirAll(filepath.Join(src, "usr/bin"), 0o755))
	mustDo(t, os.WriteFile(filepath.Join(src, "usr/bin/tool"), []byte("#!/bin/sh\necho hi\n"), 0o4755))
	mustDo(t, os.Link(filepath.Join(src, "usr/bin/tool"), filepath.Join(src, "usr/bin/tool2")))
	mustDo(t, os.Symlink("tool", filepath.Join(src, "usr/bin/link")))
	mustDo(t, os.Lchown(filepath.Join(src, "usr/bin/link"), 7, 8))
	mustDo(t, os.MkdirAll(filepath.Join(src, "home/me"), 0o700))
	mustDo(t, os.Chown(filepath.Join(src, "home/me"), 1000, 1000))
	mustDo(t, os.WriteFile(filepath.Join(src, "home/me/notes"), []byte("mine"), 0o600))
	mustDo(t, os.Chown(filepath.Join(src, "home/me/notes"), 1000, 1000))
	mustDo(t, unix.Mknod(filepath.Join(src, "home/gone"), unix.S_IFCHR, 0)) // overlay whiteout
	mustDo(t, os.MkdirAll(filepath.Join(src, "etc/opaque"), 0o755))
	mustDo(t, unix.Lsetxattr(filepath.Join(src, "etc/opaque"), "trusted.overlay.opaque", []byte("y"), 0))
	mustDo(t, os.MkdirAll(filepath.Join(src, "proc/self"), 0o555))
	mustDo(t, os.WriteFile(filepath.Join(src, "proc/self/status"), []byte("left out"), 0o444))
	old := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, p := range []string{"usr/bin", "usr", "home/me", "etc/opaque"} {
		mustDo(t, os.Chtimes(filepath.Join(src, p), old, old))
	}

	l, err := build.LayerFromDir(src, filepath.Join(tmp, "layer.tar.gz"), build.LayerOptions{Skip: []string{"proc"}})
	mustDo(t, err)
	img, err := mutate.AppendLayers(empty.Image, l)
	mustDo(t, err)

	s, err := image.Open(filepath.Join(tmp, "root"))
	mustDo(t, err)
	stored, err := s.Write(ctx, img, "linked:1")
	mustDo(t, err)
	dirs, err := s.LayerDirs(ctx, stored)
	mustDo(t, err)
	blob := filepath.Join(s.Dir(), "blobs", "sha256", l.Hash.Hex)
	if !sameFile(t, blob, l.Path) {
		t.Errorf("blob %s is a copy of %s, want a link", blob, l.Path)
	}
	if !sameFile(t, filepath.Join(dirs[0], "usr/bin/tool"), filepath.Join(src, "usr/bin/tool")) {
		t.Errorf("the stored layer's usr/bin/tool is a copy, want a link to the packed directory's")
	}

	// The same layer from its blob alone, as a pull or load unpacks it.
	f, err := os.Open(l.Path)
	mustDo(t, err)
	defer f.Close()
	unpacked := filepath.Join(tmp, "unpacked")
	mustDo(t, os.Mkdir(unpacked, 0o755))
	zr, err := l.Uncompressed()
	mustDo(t, err)
	_, err = image.Unpack(zr, unpacked)
	zr.Close()
	mustDo(t, err)
	if got, want := treeListing(t, dirs[0]), treeListing(t, unpacked); got != want {
		t.Errorf("linked layer:\n%s\nwant (unpacked from its blob):\n%s", got, want)
	}
	if stored.Size != int64(len("#!/bin/sh\necho hi\n")+len("mine")) {
		t.Errorf("stored size = %d, want each file once", stored.Size)
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	fa, err := os.Lstat(a)
	mustDo(t, err)
	fb, err := os.Lstat(b)
	mustDo(t, err)
	return os.SameFile(fa, fb)
}

// treeListing is one line per entry: path, type and mode, owner, size,
// content hash, link target, mtime of all but whiteouts and symlinks, and
// the opaque mark.
func treeListing(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	links := map[uint64]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %v %d:%d", rel, fi.Mode(), st.Uid, st.Gid)
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			line += fmt.Sprintf(" %d %x %s", fi.Size(), sha256.Sum256(b), fi.ModTime().UTC())
			if first, ok := links[st.Ino]; ok {
				line += " =" + first
			} else {
				links[st.Ino] = rel
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " -> " + target
		case fi.IsDir():
			line += " " + fi.ModTime().UTC().String()
			if v, err := unix.Lgetxattr(p, "trusted.overlay.opaque", make([]byte, 8)); err == nil && v > 0 {
				line += " opaque"
			}
		}
		lines = append(lines, line)
		return nil
	})
	mustDo(t, err)
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
