package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Limits on tar entry names. Longer names cannot be created on Linux anyway;
// rejecting them up front gives one clear error instead of a syscall's.
const (
	maxPathLen      = 4096
	maxComponentLen = 255
)

// UnsafeEntryError is returned when a layer holds an entry that would write
// outside the layer directory or otherwise cannot be trusted. The whole
// layer is rejected.
type UnsafeEntryError struct {
	Name   string // the entry's name as written in the tar
	Reason string
}

func (e *UnsafeEntryError) Error() string {
	name := e.Name
	if len(name) > 80 {
		name = name[:80] + "..."
	}
	return fmt.Sprintf("unsafe layer entry %q: %s", name, e.Reason)
}

// Whiteouts, as the OCI image spec writes them in layer tars
// (https://github.com/opencontainers/image-spec/blob/main/layer.md#whiteouts).
const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// Unpack extracts the layer tar read from r into dir, an empty directory,
// and returns the total size of the regular files it wrote.
//
// The result is ready to be an overlayfs lower directory: OCI whiteouts are
// converted to overlay's format at unpack time (a ".wh.name" entry becomes a
// 0/0 character device "name"; ".wh..wh..opq" sets trusted.overlay.opaque=y
// on its directory). Ownership, modes (setuid included), times, hardlinks,
// symlinks and extended attributes are kept.
//
// Nothing is ever written outside dir: absolute names, "..", entries below a
// symlink, hardlinks that leave the layer, device nodes and overlay
// attributes smuggled in as xattrs reject the whole layer with an
// *UnsafeEntryError. dir is left half-filled on error; the caller removes it.
func Unpack(r io.Reader, dir string) (int64, error) {
	u := &unpacker{root: dir, chown: os.Geteuid() == 0}
	tr := tar.NewReader(r)
	var size int64
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return size, fmt.Errorf("read layer tar: %w", err)
		}
		n, err := u.entry(hdr, tr)
		if err != nil {
			return size, err
		}
		size += n
	}
	// Directory times last: creating their children changed them.
	for _, d := range u.dirTimes {
		_ = setTimes(d.path, d.hdr)
	}
	return size, nil
}

type unpacker struct {
	root     string
	chown    bool
	dirTimes []dirTime
}

type dirTime struct {
	path string
	hdr  *tar.Header
}

// cleanName validates a name from the tar and returns it relative to the
// layer root, or "" for the root itself.
func cleanName(name string) (string, error) {
	if len(name) > maxPathLen {
		return "", &UnsafeEntryError{Name: name, Reason: fmt.Sprintf("name is %d bytes long, more than Linux allows (%d)", len(name), maxPathLen)}
	}
	if strings.HasPrefix(name, "/") {
		return "", &UnsafeEntryError{Name: name, Reason: "absolute path"}
	}
	if strings.ContainsRune(name, 0) {
		return "", &UnsafeEntryError{Name: name, Reason: "name contains a NUL byte"}
	}
	p := path.Clean(name)
	if p == ".." || strings.HasPrefix(p, "../") {
		return "", &UnsafeEntryError{Name: name, Reason: "path leaves the layer (..)"}
	}
	if p == "." {
		return "", nil
	}
	for _, c := range strings.Split(p, "/") {
		if len(c) > maxComponentLen {
			return "", &UnsafeEntryError{Name: name, Reason: fmt.Sprintf("a path component is %d bytes long, more than Linux allows (%d)", len(c), maxComponentLen)}
		}
	}
	return p, nil
}

// parent makes sure every directory above rel exists inside the layer as a
// real directory (never a symlink), creating missing ones, and returns the
// host path of rel.
func (u *unpacker) parent(orig, rel string) (string, error) {
	cur := u.root
	dir := path.Dir(rel)
	if dir != "." {
		for _, c := range strings.Split(dir, "/") {
			cur = filepath.Join(cur, c)
			fi, err := os.Lstat(cur)
			switch {
			case errors.Is(err, os.ErrNotExist):
				if err := os.Mkdir(cur, 0o755); err != nil {
					return "", fmt.Errorf("unpack %s: %w", orig, err)
				}
			case err != nil:
				return "", fmt.Errorf("unpack %s: %w", orig, err)
			case fi.Mode()&os.ModeSymlink != 0:
				return "", &UnsafeEntryError{Name: orig, Reason: "a parent directory is a symlink (writing through it could leave the layer)"}
			case !fi.IsDir():
				return "", &UnsafeEntryError{Name: orig, Reason: "a parent is not a directory"}
			}
		}
	}
	return filepath.Join(u.root, filepath.FromSlash(rel)), nil
}

// clear removes whatever is at p unless it is a directory and keepDir is
// set, so a new entry never writes through an old symlink.
func clear(p string, keepDir bool) error {
	fi, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if fi.IsDir() {
		if keepDir {
			return nil
		}
		return os.RemoveAll(p)
	}
	return os.Remove(p)
}

func (u *unpacker) entry(hdr *tar.Header, r io.Reader) (int64, error) {
	rel, err := cleanName(hdr.Name)
	if err != nil {
		return 0, err
	}
	if rel == "" {
		return 0, nil // the layer root: its attributes belong to the image's /
	}
	base := path.Base(rel)
	if strings.HasPrefix(base, whiteoutPrefix) {
		return 0, u.whiteout(hdr, rel, base)
	}
	target, err := u.parent(hdr.Name, rel)
	if err != nil {
		return 0, err
	}
	var size int64
	switch hdr.Typeflag {
	case tar.TypeDir:
		if err := clear(target, true); err != nil {
			return 0, fmt.Errorf("unpack %s: %w", hdr.Name, err)
		}
		if err := os.Mkdir(target, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return 0, fmt.Errorf("unpack %s: %w", hdr.Name, err)
		}
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		if err := u.roomFor(hdr); err != nil {
			return 0, err
		}
		if err := clear(target, false); err != nil {
			return 0, fmt.Errorf("unpack %s: %w", hdr.Name, err)
		}
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o600)
		if err != nil {
			return 0, fmt.Errorf("unpack %s: %w", hdr.Name, err)
		}
		n, err := copyWithHoles(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return 0, fmt.Errorf("unpack %s: %w", hdr.Name, err)
		}
		size = n
	case tar.TypeSymlink:
		if len(hdr.Linkname) > maxPathLen || hdr.Linkname == "" {
			return 0, &UnsafeEntryError{Name: hdr.Name, Reason: "symlink target is empty or too long"}
		}
		if err := clear(target, false); err != nil {
			return 0, fmt.Errorf("unpack %s: %w", hdr.Name, err)
		}
		// A symlink may point anywhere: it is only ever resolved inside the
		// container's root, never followed while unpacking.
		if err := os.Symlink(hdr.Linkname, target); err != nil {
			return 0, fmt.Errorf("unpack %s: %w", hdr.Name, err)
		}
	case tar.TypeLink:
		src, err := u.linkSource(hdr)
		if err != nil {
			return 0, err
		}
		if src == target {
			return 0, nil
		}
		if err := clear(target, false); err != nil {
			return 0, fmt.Errorf("unpack %s: %w", hdr.Name, err)
		}
		// link(2) never follows a symlink source, so linking to a symlink
		// links the symlink itself.
		if err := os.Link(src, target); err != nil {
			return 0, fmt.Errorf("unpack %s: hardlink to %s: %w", hdr.Name, hdr.Linkname, err)
		}
		return 0, nil // the source's attributes are the link's
	case tar.TypeFifo:
		if err := clear(target, false); err != nil {
			return 0, fmt.Errorf("unpack %s: %w", hdr.Name, err)
		}
		if err := unix.Mkfifo(target, uint32(hdr.Mode&0o7777)); err != nil {
			return 0, fmt.Errorf("unpack %s: %w", hdr.Name, err)
		}
	case tar.TypeChar, tar.TypeBlock:
		// Containers get their devices from the engine; a device node in an
		// image could open the host's disks or memory.
		return 0, &UnsafeEntryError{Name: hdr.Name, Reason: "device nodes are not allowed in image layers"}
	case tar.TypeXGlobalHeader:
		return 0, nil
	default:
		return 0, &UnsafeEntryError{Name: hdr.Name, Reason: fmt.Sprintf("unsupported tar entry type %q", hdr.Typeflag)}
	}
	if err := u.attrs(target, hdr); err != nil {
		return 0, err
	}
	return size, nil
}

// roomCheckSize is the entry size from which Unpack asks the file system
// for free space first; smaller files just fail with ENOSPC if it is full.
const roomCheckSize = 1 << 20

// roomFor refuses a file larger than the free space under the layer. A
// sparse entry (GNU tar's --sparse) declares its expanded size, which a
// hostile layer can set to a terabyte in a few hundred bytes: reading it
// yields that many zeros, and Docker, which copies them, fills its disk.
// The error wraps ENOSPC, so callers name the full disk as they do for any
// other write (sandbox/diskfull).
func (u *unpacker) roomFor(hdr *tar.Header) error {
	if hdr.Size < roomCheckSize {
		return nil
	}
	var st unix.Statfs_t
	if err := unix.Statfs(u.root, &st); err != nil {
		return fmt.Errorf("unpack %s: %w", hdr.Name, err)
	}
	if free := int64(st.Bavail) * st.Bsize; hdr.Size > free {
		return fmt.Errorf("unpack %s: the file is %d bytes, more than the %d bytes free: %w", hdr.Name, hdr.Size, free, unix.ENOSPC)
	}
	return nil
}

// copyWithHoles copies r to f, leaving each all-zero block as a hole, so
// a sparse file in a layer stays sparse on disk.
func copyWithHoles(f *os.File, r io.Reader) (int64, error) {
	const block = 64 << 10
	buf := make([]byte, block)
	zeros := make([]byte, block)
	var n int64
	holeAtEnd := false
	for {
		m, err := r.Read(buf)
		if m > 0 {
			chunk := buf[:m]
			if bytes.Equal(chunk, zeros[:m]) {
				if _, serr := f.Seek(int64(m), io.SeekCurrent); serr != nil {
					return n, serr
				}
				holeAtEnd = true
			} else {
				if _, werr := f.Write(chunk); werr != nil {
					return n, werr
				}
				holeAtEnd = false
			}
			n += int64(m)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return n, err
		}
	}
	if holeAtEnd {
		// A seek past the end writes nothing; the size comes from truncate.
		return n, f.Truncate(n)
	}
	return n, nil
}

// linkSource validates a hardlink's target, which tar names relative to
// the archive root, and returns its host path.
func (u *unpacker) linkSource(hdr *tar.Header) (string, error) {
	if strings.HasPrefix(hdr.Linkname, "/") {
		return "", &UnsafeEntryError{Name: hdr.Name, Reason: fmt.Sprintf("hardlink to absolute path %q", hdr.Linkname)}
	}
	rel, err := cleanName(hdr.Linkname)
	if err != nil {
		var ue *UnsafeEntryError
		if errors.As(err, &ue) {
			return "", &UnsafeEntryError{Name: hdr.Name, Reason: "hardlink target " + ue.Reason}
		}
		return "", err
	}
	if rel == "" {
		return "", &UnsafeEntryError{Name: hdr.Name, Reason: "hardlink to the layer root"}
	}
	// Every directory on the way must be real, or the link could reach
	// through a symlink to a file outside the layer.
	cur := u.root
	parts := strings.Split(rel, "/")
	for _, c := range parts[:len(parts)-1] {
		cur = filepath.Join(cur, c)
		fi, err := os.Lstat(cur)
		if err != nil {
			return "", &UnsafeEntryError{Name: hdr.Name, Reason: fmt.Sprintf("hardlink target %q is not in the layer", hdr.Linkname)}
		}
		if !fi.IsDir() {
			return "", &UnsafeEntryError{Name: hdr.Name, Reason: fmt.Sprintf("hardlink target %q goes through a symlink", hdr.Linkname)}
		}
	}
	src := filepath.Join(u.root, filepath.FromSlash(rel))
	fi, err := os.Lstat(src)
	if err != nil {
		return "", &UnsafeEntryError{Name: hdr.Name, Reason: fmt.Sprintf("hardlink target %q is not in the layer", hdr.Linkname)}
	}
	if fi.IsDir() {
		return "", &UnsafeEntryError{Name: hdr.Name, Reason: "hardlink to a directory"}
	}
	return src, nil
}

// whiteout converts an OCI whiteout entry to overlayfs' format.
func (u *unpacker) whiteout(hdr *tar.Header, rel, base string) error {
	dir, err := u.parent(hdr.Name, rel)
	if err != nil {
		return err
	}
	dir = filepath.Dir(dir)
	if base == whiteoutOpaque {
		if err := unix.Lsetxattr(dir, "trusted.overlay.opaque", []byte("y"), 0); err != nil {
			return fmt.Errorf("unpack %s: mark directory opaque: %w", hdr.Name, err)
		}
		return nil
	}
	if strings.HasPrefix(base, whiteoutMeta) {
		return nil // other AUFS metadata (.wh..wh.plnk, ...) has no meaning here
	}
	name := strings.TrimPrefix(base, whiteoutPrefix)
	if name == "" || name == "." || name == ".." {
		return &UnsafeEntryError{Name: hdr.Name, Reason: "whiteout of an invalid name"}
	}
	target := filepath.Join(dir, name)
	if err := clear(target, false); err != nil {
		return fmt.Errorf("unpack %s: %w", hdr.Name, err)
	}
	if err := unix.Mknod(target, unix.S_IFCHR, 0); err != nil {
		return fmt.Errorf("unpack %s: create overlay whiteout: %w", hdr.Name, err)
	}
	return nil
}

// attrs applies ownership, mode, xattrs and times from hdr to p, which this
// unpack just created (so no symlink can stand in its place).
func (u *unpacker) attrs(p string, hdr *tar.Header) error {
	for k, v := range hdr.PAXRecords {
		attr, ok := strings.CutPrefix(k, "SCHILY.xattr.")
		if !ok {
			continue
		}
		if strings.HasPrefix(attr, "trusted.overlay.") {
			return &UnsafeEntryError{Name: hdr.Name, Reason: fmt.Sprintf("sets overlayfs attribute %s", attr)}
		}
		if err := unix.Lsetxattr(p, attr, []byte(v), 0); err != nil && !errors.Is(err, unix.ENOTSUP) && !errors.Is(err, unix.EPERM) {
			return fmt.Errorf("unpack %s: set xattr %s: %w", hdr.Name, attr, err)
		}
	}
	if u.chown {
		if err := os.Lchown(p, hdr.Uid, hdr.Gid); err != nil {
			return fmt.Errorf("unpack %s: chown: %w", hdr.Name, err)
		}
	}
	if hdr.Typeflag != tar.TypeSymlink {
		// After chown: chown clears setuid bits.
		if err := os.Chmod(p, hdr.FileInfo().Mode()&(os.ModePerm|os.ModeSetuid|os.ModeSetgid|os.ModeSticky)); err != nil {
			return fmt.Errorf("unpack %s: chmod: %w", hdr.Name, err)
		}
	}
	if hdr.Typeflag == tar.TypeDir {
		u.dirTimes = append(u.dirTimes, dirTime{p, hdr})
		return nil
	}
	return setTimes(p, hdr)
}

func setTimes(p string, hdr *tar.Header) error {
	atime := hdr.AccessTime
	if atime.IsZero() {
		atime = hdr.ModTime
	}
	ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(hdr.ModTime.UnixNano())}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("unpack %s: set times: %w", hdr.Name, err)
	}
	return nil
}
