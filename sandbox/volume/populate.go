package volume

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	"golang.org/x/sys/unix"
)

// PrepareBind checks a bind mount's host path: -v creates a missing
// directory (as Docker), --mount refuses it.
func PrepareBind(s Spec) error {
	if _, err := os.Stat(s.Source); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("bind source %s: %w", s.Source, err)
	}
	if !s.CreateSource {
		return fmt.Errorf("invalid mount config for type \"bind\": bind source path does not exist: %s (create it first, or use -v, which creates it)", s.Source)
	}
	if err := os.MkdirAll(s.Source, 0o755); err != nil {
		return fmt.Errorf("create bind source %s: %w", s.Source, err)
	}
	return nil
}

// Populate fills the empty directory dst with what the image holds at
// target, as Docker does for a new volume: the image's layers (lowerDirs,
// topmost first) are mounted read-only as one overlay and target is copied
// with owners, modes and symlinks. Nothing happens when the image has no
// directory there.
func Populate(dst string, lowerDirs []string, target string) error {
	if len(lowerDirs) == 0 {
		return nil
	}
	mnt, err := os.MkdirTemp(filepath.Dir(dst), ".populate-")
	if err != nil {
		return fmt.Errorf("populate volume: %w", err)
	}
	defer os.Remove(mnt)
	var src string
	if len(lowerDirs) == 1 {
		src = lowerDirs[0]
	} else {
		// overlayfs with two or more lowerdirs and no upperdir is read-only.
		opts := "lowerdir=" + strings.Join(lowerDirs, ":")
		if err := unix.Mount("overlay", mnt, "overlay", unix.MS_RDONLY, opts); err != nil {
			return fmt.Errorf("populate volume: mount image layers: %w", err)
		}
		defer unix.Unmount(mnt, unix.MNT_DETACH)
		src = mnt
	}
	from, err := securejoin.SecureJoin(src, target)
	if err != nil {
		return fmt.Errorf("populate volume from %s: %w", target, err)
	}
	fi, err := os.Stat(from)
	if errors.Is(err, os.ErrNotExist) || (err == nil && !fi.IsDir()) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("populate volume from %s: %w", target, err)
	}
	if err := copyTree(from, dst); err != nil {
		return fmt.Errorf("populate volume from %s: %w", target, err)
	}
	return nil
}

// copyTree copies the contents of directory src into dst (which exists),
// keeping owners, modes and symlinks.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		st := info.Sys().(*syscall.Stat_t)
		switch {
		case d.IsDir():
			if rel != "." {
				if err := os.Mkdir(out, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
					return err
				}
			}
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(link, out); err != nil {
				return err
			}
			return unix.Lchown(out, int(st.Uid), int(st.Gid))
		case info.Mode().IsRegular():
			if err := copyFile(p, out); err != nil {
				return err
			}
		default:
			// Devices, fifos and sockets: recreate the node.
			if err := unix.Mknod(out, st.Mode, int(st.Rdev)); err != nil {
				return err
			}
		}
		if err := os.Lchown(out, int(st.Uid), int(st.Gid)); err != nil {
			return err
		}
		return os.Chmod(out, info.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
	})
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// IsEmpty reports whether a directory has no entries.
func IsEmpty(dir string) bool {
	f, err := os.Open(dir)
	if err != nil {
		return false
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	return errors.Is(err, io.EOF)
}

// noCopyMarker marks a volume first mounted with nocopy, so it is never
// filled from an image.
func noCopyMarker(mountpoint string) string { return filepath.Join(filepath.Dir(mountpoint), "nocopy") }

// MarkNoCopy records that the volume at mountpoint must stay as it is.
func MarkNoCopy(mountpoint string) error {
	return os.WriteFile(noCopyMarker(mountpoint), nil, 0o600)
}

// ShouldPopulate reports whether the volume at mountpoint is to be filled
// from the image: it is empty and was not mounted with nocopy.
func ShouldPopulate(mountpoint string) bool {
	if _, err := os.Stat(noCopyMarker(mountpoint)); err == nil {
		return false
	}
	return IsEmpty(mountpoint)
}
