package vm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// DefaultKernel is where .ci/setup unpacks Debian's linux-image-cloud-amd64
// (a symlink to kernel/boot/vmlinuz-<release>).
const DefaultKernel = "/var/cache/dockyard/vm/vmlinuz"

// ErrNoKernel means the VM kernel has not been fetched.
var ErrNoKernel = errors.New("no VM kernel")

// Kernel is a bootable kernel image on the host.
type Kernel struct {
	// Path is the kernel image with symlinks resolved.
	Path string
	// Release is the kernel's release as `uname -r` shows it, taken from the
	// vmlinuz-<release> file name (empty when the name does not say).
	Release string
	// Size is the image's size in bytes.
	Size int64
}

// FindKernel resolves the kernel image at path, or DefaultKernel when path is
// empty (or $DOCKYARD_VM_KERNEL when set).
func FindKernel(path string) (Kernel, error) {
	if path == "" {
		path = os.Getenv("DOCKYARD_VM_KERNEL")
	}
	if path == "" {
		path = DefaultKernel
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Kernel{}, fmt.Errorf("%w at %s (fetch it with: sudo bash .ci/setup)", ErrNoKernel, path)
		}
		return Kernel{}, fmt.Errorf("vm kernel %s: %w", path, err)
	}
	st, err := os.Stat(real)
	if err != nil {
		return Kernel{}, fmt.Errorf("vm kernel %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return Kernel{}, fmt.Errorf("vm kernel %s is not a regular file", real)
	}
	k := Kernel{Path: real, Size: st.Size()}
	if base := filepath.Base(real); strings.HasPrefix(base, "vmlinuz-") {
		k.Release = strings.TrimPrefix(base, "vmlinuz-")
	}
	return k, nil
}
