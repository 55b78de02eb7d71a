package image

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sys/unix"
)

// LocalLayer is a layer made on this machine, on the store's file system:
// a build step's or a bake's, packed from a directory in overlay form (an
// upper dir, with overlay whiteouts). Write links its blob file and its
// directory's entries into the store instead of copying the blob and
// unpacking it, so the layer's bytes are written once, by whoever made it.
// Its digests were computed from the bytes as they were written; they are
// trusted, not computed again.
type LocalLayer interface {
	v1.Layer
	// Local returns the compressed blob's file, the directory it was
	// packed from and the paths below that directory the blob leaves out
	// (slash-separated; the folders themselves are in it, empty).
	Local() (blob, dir string, skip []string)
}

// linkLayer stores l by linking: its blob under digest d, its content as
// the unpacked layer diffID. It reports false, having stored nothing it
// cannot finish, when l is on another file system than the store (the
// caller copies and unpacks as for any layer).
func (s *Store) linkLayer(ctx context.Context, l LocalLayer, d, diffID v1.Hash) (int64, bool, error) {
	blob, dir, skip := l.Local()
	if blob == "" || dir == "" {
		return 0, false, nil
	}
	if !s.hasBlob(d.String()) {
		// A name of its own: another build may link the same blob now.
		tmp := filepath.Join(s.dir, "blobs", "sha256", ".tmp-link-"+d.Hex[:12]+"-"+rand.Text())
		if err := os.Link(blob, tmp); err != nil {
			if errors.Is(err, unix.EXDEV) {
				return 0, false, nil
			}
			return 0, false, fmt.Errorf("store blob %s: %w", d, err)
		}
		if err := os.Rename(tmp, s.blobPath(d.String())); err != nil {
			os.Remove(tmp)
			return 0, false, fmt.Errorf("store blob %s: %w", d, err)
		}
	}
	final := s.layerDir(diffID)
	if _, err := os.Stat(final); err == nil {
		if n, err := s.layerSize(diffID); err == nil {
			return n, true, nil
		}
	}
	tmp, err := os.MkdirTemp(filepath.Join(s.dir, "layers"), ".tmp-"+diffID.Hex[:12]+"-")
	if err != nil {
		return 0, false, fmt.Errorf("link layer %s: %w", diffID, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return 0, false, fmt.Errorf("link layer %s: %w", diffID, err)
	}
	size, err := linkTree(ctx, dir, tmp, skip)
	if errors.Is(err, unix.EXDEV) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("link layer %s: %w", diffID, err)
	}
	if err := os.WriteFile(final+".size", []byte(strconv.FormatInt(size, 10)), 0o600); err != nil {
		return 0, false, fmt.Errorf("link layer %s: %w", diffID, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		if _, serr := os.Stat(final); serr != nil {
			return 0, false, fmt.Errorf("link layer %s: %w", diffID, err)
		}
	}
	return size, true, nil
}

// linkTree fills dst, an empty directory, with src's entries as Unpack
// writes them from the tar that build.LayerFromDir packs from src: folders
// are made again with their owner, mode, times and opaque mark (a folder
// cannot be hard-linked), every other entry is a hard link to src's (a
// file's data is never copied; owner, mode, times and capabilities are the
// inode's). As Unpack, it refuses device nodes other than overlay
// whiteouts. Folders below skip are made empty. It returns the size of the
// regular files, each counted once.
func linkTree(ctx context.Context, src, dst string, skip []string) (int64, error) {
	skipped := map[string]bool{}
	for _, p := range skip {
		skipped[strings.Trim(p, "/")] = true
	}
	type dirTimes struct {
		path string
		ts   []unix.Timespec
	}
	var dirs []dirTimes
	seen := map[uint64]bool{}
	var size int64
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." {
			return err
		}
		target := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return fmt.Errorf("%s: no stat", rel)
		}
		switch {
		case fi.IsDir():
			if err := os.Mkdir(target, 0o700); err != nil {
				return err
			}
			if err := os.Lchown(target, int(st.Uid), int(st.Gid)); err != nil {
				return err
			}
			// After chown: chown clears setuid bits.
			if err := os.Chmod(target, fi.Mode()&(os.ModePerm|os.ModeSetuid|os.ModeSetgid|os.ModeSticky)); err != nil {
				return err
			}
			if v, err := getxattr(p, "trusted.overlay.opaque"); err == nil && string(v) == "y" {
				if err := unix.Lsetxattr(target, "trusted.overlay.opaque", v, 0); err != nil {
					return fmt.Errorf("%s: mark directory opaque: %w", rel, err)
				}
			}
			// The tar keeps no access time: Unpack sets it to the mtime.
			mt := unix.NsecToTimespec(fi.ModTime().UnixNano())
			dirs = append(dirs, dirTimes{target, []unix.Timespec{mt, mt}})
			if skipped[filepath.ToSlash(rel)] {
				return fs.SkipDir
			}
			return nil
		case fi.Mode()&(fs.ModeDevice|fs.ModeCharDevice) != 0:
			if fi.Mode()&fs.ModeCharDevice == 0 || st.Rdev != 0 {
				return &UnsafeEntryError{Name: filepath.ToSlash(rel), Reason: "device nodes are not allowed in image layers"}
			}
		case fi.Mode()&fs.ModeSocket != 0:
			return &UnsafeEntryError{Name: filepath.ToSlash(rel), Reason: "sockets cannot be in image layers"}
		case fi.Mode().IsRegular():
			if !seen[st.Ino] {
				seen[st.Ino] = true
				size += fi.Size()
			}
		}
		// link(2) never follows a symlink: a symlink is linked itself.
		return os.Link(p, target)
	})
	if err != nil {
		return 0, err
	}
	// Folder times last: making their entries changed them.
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, dirs[i].path, dirs[i].ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return 0, err
		}
	}
	return size, nil
}

func getxattr(path, attr string) ([]byte, error) {
	buf := make([]byte, 64)
	n, err := unix.Lgetxattr(path, attr, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}
