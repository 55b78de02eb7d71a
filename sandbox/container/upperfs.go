package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// UpperFSError says that the state root is on a file system overlayfs
// cannot take a container's writable layer from, as in a container whose
// own root is an overlay (Docker-in-Docker keeps /var/lib/docker on a
// volume for the same reason).
type UpperFSError struct {
	Dir string // the state root
	FS  string // the file system it is on ("overlayfs")
}

func (e *UpperFSError) Error() string {
	return fmt.Sprintf("the state root %s is on %s, which overlayfs cannot use for containers' writable layers: mount a volume at %s (docker run -v dockyard:%s ...) or choose a folder on ext4, xfs or btrfs with --root", e.Dir, e.FS, e.Dir, e.Dir)
}

// File systems overlayfs refuses as its upper layer (statfs f_type, from
// linux/magic.h and the kernel's fs sources).
var noUpperFS = map[int64]string{
	0x794c7630: "overlayfs",
	0x61756673: "aufs",
	0xf15f:     "ecryptfs",
	0x6969:     "nfs",
	0xff534d42: "cifs",
	0xfe534d42: "smb2",
}

// CheckUpperFS reports an *UpperFSError when dir (or, before it exists, the
// nearest folder above it) is on a file system overlayfs cannot use as an
// upper layer, and nil otherwise or when it cannot tell.
func CheckUpperFS(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		var st unix.Statfs_t
		err := unix.Statfs(d, &st)
		if err == nil {
			if name, bad := noUpperFS[int64(st.Type)]; bad {
				return &UpperFSError{Dir: dir, FS: name}
			}
			return nil
		}
		if !errors.Is(err, os.ErrNotExist) || d == filepath.Dir(d) {
			return nil
		}
	}
}
