package image_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/diskfull"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

// smallDisk mounts a tmpfs of size bytes, the test's own small file
// system for a state root, and unmounts it at the end.
func smallDisk(t *testing.T, size string) string {
	t.Helper()
	needRoot(t)
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Fatalf("mount a %s tmpfs: %v", size, err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

func freeBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

// A pull that fills the disk says so in one line naming the state root,
// leaves nothing of itself behind, and the images pulled before it and
// the store itself keep working.
func TestPullOnAFullDisk(t *testing.T) {
	root := smallDisk(t, "24m")
	ctx := context.Background()
	host := imagetest.Registry(t)
	imagetest.Push(t, host+"/small:1", imagetest.Random(t, 1, 1<<20))
	imagetest.Push(t, host+"/big:1", imagetest.Random(t, 3, 6<<20))
	imagetest.Push(t, host+"/small:2", imagetest.Random(t, 1, 1<<20))

	s, err := image.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	small, err := s.Pull(ctx, host+"/small:1", image.PullOptions{})
	if err != nil {
		t.Fatalf("Pull(small:1) = %v", err)
	}
	free := freeBytes(t, root)

	_, err = s.Pull(ctx, host+"/big:1", image.PullOptions{})
	var full *diskfull.Error
	if !errors.As(err, &full) {
		t.Fatalf("Pull(big:1) on a full disk = %v, want a *diskfull.Error", err)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "no space left on device while pulling "+host+"/big:1 in "+root+": ") || strings.Contains(msg, "\n") {
		t.Errorf("Pull(big:1) error = %q, want one line naming the pull and %s", msg, root)
	}

	if got := freeBytes(t, root); free-got > 256<<10 {
		t.Errorf("the failed pull left %d KiB behind on the disk", (free-got)>>10)
	}
	imgs, err := s.List(ctx)
	if err != nil || len(imgs) != 1 || imgs[0].ID != small.ID {
		t.Errorf("List after the failed pull = %v, %v; want only small:1", imgs, err)
	}
	if _, err := s.Get(ctx, host+"/big:1"); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("Get(big:1) = %v, want ErrNotFound", err)
	}
	dirs, err := s.LayerDirs(ctx, small)
	if err != nil || len(dirs) != 1 {
		t.Fatalf("LayerDirs(small:1) = %v, %v", dirs, err)
	}
	var size int64
	filepath.Walk(dirs[0], func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			size += fi.Size()
		}
		return nil
	})
	if size != 1<<20 {
		t.Errorf("small:1's layer holds %d bytes after the failed pull, want %d", size, 1<<20)
	}

	if _, err := s.Pull(ctx, host+"/small:2", image.PullOptions{}); err != nil {
		t.Errorf("Pull(small:2) after the failed pull = %v, want the store to work", err)
	}
}
