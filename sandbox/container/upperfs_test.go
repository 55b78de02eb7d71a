package container

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCheckUpperFSOnAPlainFolder(t *testing.T) {
	dir := t.TempDir()
	if err := CheckUpperFS(filepath.Join(dir, "not", "yet")); err != nil {
		t.Errorf("CheckUpperFS(new folder under %s) = %v, want nil", dir, err)
	}
}

// A state root inside an overlay mount (a container's own root) is named,
// with the volume to mount instead.
func TestCheckUpperFSOnOverlay(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount an overlay")
	}
	if _, err := exec.LookPath("mount"); err != nil {
		t.Skip("needs mount")
	}
	dir := t.TempDir()
	for _, d := range []string{"lower", "upper", "work", "merged"} {
		os.Mkdir(filepath.Join(dir, d), 0o755)
	}
	data := "lowerdir=" + filepath.Join(dir, "lower") + ",upperdir=" + filepath.Join(dir, "upper") + ",workdir=" + filepath.Join(dir, "work")
	merged := filepath.Join(dir, "merged")
	if err := unix.Mount("overlay", merged, "overlay", 0, data); err != nil {
		t.Skipf("cannot mount an overlay here: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(merged, unix.MNT_DETACH) })
	root := filepath.Join(merged, "var/lib/dockyard")
	err := CheckUpperFS(root)
	var ue *UpperFSError
	if !errors.As(err, &ue) || ue.FS != "overlayfs" {
		t.Fatalf("CheckUpperFS(%s) = %v, want an overlayfs UpperFSError", root, err)
	}
	if msg := err.Error(); !strings.Contains(msg, "mount a volume at "+root) || strings.Contains(msg, "\n") {
		t.Errorf("error %q does not say in one line to mount a volume at the state root", msg)
	}
}
