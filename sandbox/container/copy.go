package container

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/diskfull"
)

// withRootfs runs fn on the container's root filesystem: the running
// container's overlay, or the overlay mounted for the call when it is
// stopped, with the container's volumes and bind mounts in place.
func (s *Store) withRootfs(ref string, fn func(rootfs string) error) error {
	c, err := s.Get(ref)
	if err != nil {
		return err
	}
	return s.withContainerFS(c, fn)
}

func (s *Store) withContainerFS(c *Container, fn func(rootfs string) error) error {
	target := s.RootfsPath(c.ID)
	if !isMounted(target) {
		if _, err := s.mountRootfs(c); err != nil {
			return err
		}
		defer unmountRootfs(target)
	}
	return withMounts(target, c.Spec.Host.Mounts, func() error { return fn(target) })
}

// withMounts runs fn with mounts' volumes and bind mounts in place under
// rootfs, in a mount namespace of its own that dies with it, as moby's
// openContainerFS does: docker cp reads and writes a volume, not the
// layer beneath it that the container never sees. tmpfs mounts live only
// in the container and are not there, as in Docker.
func withMounts(rootfs string, mounts []Mount, fn func() error) error {
	var binds []Mount
	for _, m := range mounts {
		if m.Type == "bind" || m.Type == "volume" {
			binds = append(binds, m)
		}
	}
	if len(binds) == 0 {
		return fn()
	}
	// Outer mounts first, so /data/sub lands inside /data.
	sort.SliceStable(binds, func(i, j int) bool {
		return strings.Count(filepath.Clean(binds[i].Destination), "/") < strings.Count(filepath.Clean(binds[j].Destination), "/")
	})
	errc := make(chan error, 1)
	go func() {
		// Never unlocked: the thread, changed for good by unshare, ends
		// with this goroutine instead of running others.
		runtime.LockOSThread()
		errc <- func() error {
			if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
				return fmt.Errorf("copy: mount namespace: %w", err)
			}
			if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
				return fmt.Errorf("copy: mount namespace: %w", err)
			}
			for _, m := range binds {
				if err := bindInto(rootfs, m); err != nil {
					return err
				}
			}
			return fn()
		}()
	}()
	return <-errc
}

// bindInto mounts m's source at its destination in rootfs, the
// destination resolved inside rootfs and made if it is missing, as the
// container's start makes it. The mount goes onto a handle opened inside
// rootfs (/proc/self/fd/N), so a symlink swapped in cannot move it.
func bindInto(rootfs string, m Mount) error {
	fi, err := os.Stat(m.Source)
	if err != nil {
		return fmt.Errorf("copy: mount %s: %w", m.Destination, err)
	}
	root, err := os.OpenFile(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer root.Close()
	target, err := mountTarget(root, m.Destination, fi.IsDir())
	if err != nil {
		return fmt.Errorf("copy: mount %s: %w", m.Destination, err)
	}
	defer target.Close()
	dst := fmt.Sprintf("/proc/self/fd/%d", target.Fd())
	flags := uintptr(unix.MS_BIND | unix.MS_REC)
	if err := unix.Mount(m.Source, dst, "", flags, ""); err != nil {
		return fmt.Errorf("copy: mount %s: %w", m.Destination, err)
	}
	if m.ReadOnly {
		// A new handle: the first still names what is beneath the mount.
		mounted, err := pathrs.OpenatInRoot(root, m.Destination)
		if err == nil {
			err = unix.Mount("", fmt.Sprintf("/proc/self/fd/%d", mounted.Fd()), "", flags|unix.MS_REMOUNT|unix.MS_RDONLY, "")
			mounted.Close()
		}
		if err != nil {
			return fmt.Errorf("copy: mount %s read-only: %w", m.Destination, err)
		}
	}
	return nil
}

// mountTarget is a handle on dest inside root, made (a folder, or an
// empty file for a file's bind mount) when it is missing.
func mountTarget(root *os.File, dest string, isDir bool) (*os.File, error) {
	if h, err := pathrs.OpenatInRoot(root, dest); err == nil {
		return h, nil
	}
	if isDir {
		return pathrs.MkdirAllHandle(root, dest, 0o755)
	}
	parent, err := pathrs.MkdirAllHandle(root, filepath.Dir(filepath.Clean("/"+dest)), 0o755)
	if err != nil {
		return nil, err
	}
	defer parent.Close()
	fd, err := unix.Openat(int(parent.Fd()), filepath.Base(dest), unix.O_WRONLY|unix.O_CREAT|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, err
	}
	unix.Close(fd)
	return pathrs.OpenatInRoot(root, dest)
}

// checkWritable refuses to write at path (a folder in the container,
// symlinks resolved) when it is in a read-only volume or the container's
// root filesystem is read-only, in moby's words (daemon/archive_unix.go
// checkWritablePath).
func checkWritable(c *Container, path string) error {
	clean := filepath.Clean("/" + path)
	var in *Mount // the innermost mount holding path
	for i, m := range c.Spec.Host.Mounts {
		dst := filepath.Clean(m.Destination)
		if (clean == dst || strings.HasPrefix(clean, dst+"/") || dst == "/") && (in == nil || len(dst) > len(filepath.Clean(in.Destination))) {
			in = &c.Spec.Host.Mounts[i]
		}
	}
	switch {
	case in != nil && in.ReadOnly:
		return ErrReadOnlyVolume
	case in == nil && c.Spec.Host.ReadOnly:
		return ErrReadOnlyRootfs
	}
	return nil
}

// The errors of a copy into a read-only place, in moby's words.
var (
	ErrReadOnlyVolume = errors.New("mounted volume is marked read-only")
	ErrReadOnlyRootfs = errors.New("container rootfs is marked read-only")
)

// ErrPathNotFound matches (errors.Is) the error of Stat, CopyFrom and
// CopyTo when the path, or the folder copied into, is not in the
// container; it is an fs.ErrNotExist.
var ErrPathNotFound = fmt.Errorf("no such file or folder in the container: %w", fs.ErrNotExist)

// ErrNotADirectory is CopyTo's error when the path copied into is a file.
var ErrNotADirectory = errors.New("not a directory")

// CopyFrom copies path from the container to hostDst, a host path not
// there yet, as the first half of `docker cp CONTAINER:path ...`, and says
// what path was as Stat does, both on one mount of a stopped container's
// root filesystem. A symlink at path
// is copied as the link, as Docker archives it; files keep their owners.
func (s *Store) CopyFrom(ref, path, hostDst string) (fi fs.FileInfo, linkTarget string, err error) {
	err = s.withRootfs(ref, func(rootfs string) error {
		if fi, linkTarget, err = statIn(rootfs, path); err != nil {
			return err
		}
		return copyOutOfRootfs(rootfs, path, hostDst)
	})
	return fi, linkTarget, err
}

// copyOutOfRootfs copies the file, folder or symlink at path in rootfs to
// dst on the host, keeping owners, modes and times. Every folder and file
// is opened relative to its folder's handle, never following a symlink,
// the first folder resolved inside rootfs (pathrs-lite): a running
// container swapping a folder for a symlink to the host mid-copy makes the
// copy fail, never read the host's files.
func copyOutOfRootfs(rootfs, path, dst string) error {
	root, err := os.OpenFile(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer root.Close()
	clean := filepath.Clean("/" + path)
	if clean == "/" {
		return copyOutAt(root, ".", clean, dst)
	}
	parent, err := pathrs.OpenatInRoot(root, filepath.Dir(clean))
	if err != nil {
		return err
	}
	defer parent.Close()
	return copyOutAt(parent, filepath.Base(clean), clean, dst)
}

// copyOutAt copies base in the folder dir (name in the container) to dst.
// Devices, sockets and fifos are not copied.
func copyOutAt(dir *os.File, base, name, dst string) error {
	dfd := int(dir.Fd())
	var st unix.Stat_t
	if err := unix.Fstatat(dfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &fs.PathError{Op: "lstat", Path: name, Err: err}
	}
	mode := os.FileMode(st.Mode & 0o777)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFLNK:
		buf := make([]byte, unix.PathMax)
		n, err := unix.Readlinkat(dfd, base, buf)
		if err != nil {
			return &fs.PathError{Op: "readlink", Path: name, Err: err}
		}
		_ = os.Remove(dst)
		if err := os.Symlink(string(buf[:n]), dst); err != nil {
			return err
		}
	case unix.S_IFDIR:
		fd, err := unix.Openat(dfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return &fs.PathError{Op: "open", Path: name, Err: err}
		}
		d := os.NewFile(uintptr(fd), name)
		defer d.Close()
		if err := os.MkdirAll(dst, mode); err != nil {
			return err
		}
		names, err := d.Readdirnames(-1)
		if err != nil {
			return err
		}
		for _, n := range names {
			if err := copyOutAt(d, n, filepath.Join(name, n), filepath.Join(dst, n)); err != nil {
				return err
			}
		}
	case unix.S_IFREG:
		fd, err := unix.Openat(dfd, base, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return &fs.PathError{Op: "open", Path: name, Err: err}
		}
		in := os.NewFile(uintptr(fd), name)
		defer in.Close()
		out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
		if err := os.Chmod(dst, mode); err != nil {
			return err
		}
	default:
		return nil
	}
	_ = os.Lchown(dst, int(st.Uid), int(st.Gid))
	ts := []unix.Timespec{st.Mtim, st.Mtim}
	_ = unix.UtimesNanoAt(unix.AT_FDCWD, dst, ts, unix.AT_SYMLINK_NOFOLLOW)
	return nil
}

// CopyTo copies the trees at hostSrcs into the folder dir of the
// container, as `docker cp` into a container does, all on one mount of a
// stopped container's root filesystem. dir may be a symlink to a folder,
// resolved inside the container; a dir that is not there is
// ErrPathNotFound, a file ErrNotADirectory. Files keep their owners, as
// moby's extraction keeps the tar's; with copyUIDGID (docker cp -a) they
// become the container's user's when it has one (moby's
// daemon/archive_tarcopyoptions_unix.go).
func (s *Store) CopyTo(ref, dir string, hostSrcs []string, copyUIDGID bool) error {
	c, err := s.Get(ref)
	if err != nil {
		return err
	}
	err = s.withContainerFS(c, func(rootfs string) error {
		into, err := folderIn(rootfs, dir)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(rootfs, into)
		if err != nil {
			return err
		}
		if err := checkWritable(c, rel); err != nil {
			return err
		}
		var owner *Owner
		if copyUIDGID && c.Spec.Config.User != "" {
			u, err := execUser(rootfs, c.Spec.Config.User)
			if err != nil {
				return err
			}
			owner = &Owner{UID: u.Uid, GID: u.Gid}
		}
		return copyAllInto(rootfs, into, hostSrcs, owner)
	})
	// hostSrcs are a staging copy (the archive a front end received), not
	// paths the user typed: the message names the destination.
	return diskfull.Wrap(err, fmt.Sprintf("copying into container %s at %s", ref, dir), s.root)
}

// Stat describes path in the container as lstat(2) does, the folders on
// the way resolved inside the container's root filesystem; for a symlink,
// linkTarget is where it leads in the container, fully resolved, as moby's
// PathStat says. Nothing there is ErrPathNotFound.
func (s *Store) Stat(ref, path string) (fi fs.FileInfo, linkTarget string, err error) {
	err = s.withRootfs(ref, func(rootfs string) error {
		fi, linkTarget, err = statIn(rootfs, path)
		return err
	})
	return fi, linkTarget, err
}

func statIn(rootfs, path string) (fi fs.FileInfo, linkTarget string, err error) {
	p, err := lookup(rootfs, path)
	if err != nil {
		return nil, "", err
	}
	if fi, err = os.Lstat(p); err != nil {
		return nil, "", ErrPathNotFound
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		return fi, "", nil
	}
	full, err := securejoin.SecureJoin(rootfs, path)
	if err != nil {
		return nil, "", err
	}
	rel, err := filepath.Rel(rootfs, full)
	if err != nil {
		return nil, "", err
	}
	return fi, filepath.Join("/", rel), nil
}

// lookup is path in rootfs with the folders on the way resolved inside
// rootfs and the last name left as it is: a symlink there is the link,
// not where it points.
func lookup(rootfs, path string) (string, error) {
	clean := filepath.Clean("/" + path)
	if clean == "/" {
		return rootfs, nil
	}
	dir, err := securejoin.SecureJoin(rootfs, filepath.Dir(clean))
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, filepath.Base(clean)), nil
}

// folderIn is the folder dir in rootfs, symlinks on the way resolved
// inside rootfs: ErrPathNotFound when nothing is there, ErrNotADirectory
// for a file.
func folderIn(rootfs, dir string) (string, error) {
	into, err := securejoin.SecureJoin(rootfs, dir)
	if err != nil {
		return "", err
	}
	switch fi, err := os.Stat(into); {
	case errors.Is(err, fs.ErrNotExist):
		return "", ErrPathNotFound
	case err != nil:
		return "", err
	case !fi.IsDir():
		return "", ErrNotADirectory
	}
	return into, nil
}

// copyAllInto copies each tree of srcs into the folder into, a path in
// rootfs, under its own name.
func copyAllInto(rootfs, into string, srcs []string, owner *Owner) error {
	for _, src := range srcs {
		dst := filepath.Join(into, filepath.Base(src))
		_, existed := os.Lstat(dst)
		err := copyIntoRootfs(rootfs, src, dst, owner)
		if diskfull.Is(err) && existed != nil {
			// Half a copy is worse than none: the student would find a
			// truncated file in the container after freeing space.
			os.RemoveAll(dst)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// copyIntoRootfs copies the tree src to dst, a path in rootfs, as
// copyTree does, except that every path written is resolved inside
// rootfs, and written relative to a handle on its folder opened there
// (pathrs-lite, openat2 RESOLVE_IN_ROOT where the kernel has it): a
// symlink the container holds (data/x -> /etc, or ../../../etc), even one
// a running container swaps in during the copy, is never followed out of
// it. A symlink in the way of a folder or file copied is replaced by it,
// as tar extraction does; a folder is never replaced by a file, nor a file
// by a folder.
func copyIntoRootfs(rootfs, src, dst string, owner *Owner) error {
	base, err := filepath.Rel(rootfs, dst)
	if err != nil || base == ".." || strings.HasPrefix(base, "../") {
		return fmt.Errorf("copy: %s is not in the container's root filesystem", dst)
	}
	root, err := os.OpenFile(rootfs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer root.Close()
	// dest is the folder extracted into, as the container sees it.
	dest := filepath.Join("/", filepath.Dir(base))
	var dirs []dirTimes
	defer func() {
		for i := len(dirs) - 1; i >= 0; i-- {
			if parent, err := pathrs.OpenatInRoot(root, filepath.Dir(dirs[i].path)); err == nil {
				keepTimeAt(parent, filepath.Base(dirs[i].path), dirs[i].fi)
				parent.Close()
			}
		}
	}()
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		name := filepath.Join("/", base, rel)
		parent, err := pathrs.MkdirAllHandle(root, filepath.Dir(name), 0o755)
		if err != nil {
			return err
		}
		defer parent.Close()
		if fi.IsDir() {
			dirs = append(dirs, dirTimes{name, fi})
		}
		return putEntry(parent, filepath.Base(name), p, fi, owner, name, dest)
	})
}

// putEntry writes p (described by fi) as base in the folder dir, every
// call relative to dir's handle and never following a symlink at base;
// name and dest are the entry and the folder extracted into, as the
// container sees them, for errors.
func putEntry(dir *os.File, base, p string, fi os.FileInfo, owner *Owner, name, dest string) error {
	dfd := int(dir.Fd())
	var st unix.Stat_t
	if err := unix.Fstatat(dfd, base, &st, unix.AT_SYMLINK_NOFOLLOW); err == nil {
		isDir := st.Mode&unix.S_IFMT == unix.S_IFDIR
		switch {
		case st.Mode&unix.S_IFMT == unix.S_IFLNK:
			if err := unix.Unlinkat(dfd, base, 0); err != nil {
				return &fs.PathError{Op: "unlink", Path: name, Err: err}
			}
		case isDir && !fi.IsDir():
			// moby's Untar with NoOverwriteDirNonDir, as docker cp asks.
			return fmt.Errorf("cannot overwrite directory %q with non-directory %q", name, dest)
		case !isDir && fi.IsDir():
			return fmt.Errorf("cannot overwrite non-directory %q with directory %q", name, dest)
		}
	}
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		link, err := os.Readlink(p)
		if err != nil {
			return err
		}
		if err := unix.Symlinkat(link, dfd, base); err != nil {
			return &fs.PathError{Op: "symlink", Path: name, Err: err}
		}
	case fi.IsDir():
		if err := unix.Mkdirat(dfd, base, uint32(fi.Mode().Perm())); err != nil && !errors.Is(err, unix.EEXIST) {
			return &fs.PathError{Op: "mkdir", Path: name, Err: err}
		}
	case fi.Mode().IsRegular():
		if err := putFile(dfd, base, p, name, fi.Mode().Perm()); err != nil {
			return err
		}
	default:
		return nil
	}
	uid, gid := -1, -1
	if owner != nil {
		uid, gid = owner.UID, owner.GID
	} else if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		uid, gid = int(st.Uid), int(st.Gid)
	}
	_ = unix.Fchownat(dfd, base, uid, gid, unix.AT_SYMLINK_NOFOLLOW)
	if !fi.IsDir() {
		keepTimeAt(dir, base, fi)
	}
	return nil
}

// putFile writes the file src as base in the folder dfd, with mode.
func putFile(dfd int, base, src, name string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fd, err := unix.Openat(dfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(mode))
	if err != nil {
		return &fs.PathError{Op: "open", Path: name, Err: err}
	}
	out := os.NewFile(uintptr(fd), name)
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Chmod(mode); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// Owner is the user and group a copy's files are given.
type Owner struct{ UID, GID int }

// dirTimes is a folder copied, whose modification time is set once
// everything in it is written (each write changes it).
type dirTimes struct {
	path string
	fi   os.FileInfo
}

// keepTimeAt gives base in the folder dir fi's modification time, as tar
// does; a symlink's own time is set, not its target's.
func keepTimeAt(dir *os.File, base string, fi os.FileInfo) {
	ts := []unix.Timespec{unix.NsecToTimespec(fi.ModTime().UnixNano()), unix.NsecToTimespec(fi.ModTime().UnixNano())}
	_ = unix.UtimesNanoAt(int(dir.Fd()), base, ts, unix.AT_SYMLINK_NOFOLLOW)
}
