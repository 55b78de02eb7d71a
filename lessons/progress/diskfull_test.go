package progress

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/diskfull"
)

// On a full disk a save fails with one line naming the folder, and the
// progress saved before is whole; once space is freed saving works again.
func TestSaveOnAFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: mounts a small tmpfs")
	}
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=64k"); err != nil {
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	s := Open(filepath.Join(dir, "state", FileName), NoOwner)
	if _, err := s.Update(func(p *Progress) error { p.Lesson("intro").Step("a").Done = true; return nil }); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(s.Path())

	filler := filepath.Join(dir, "filler")
	f, _ := os.Create(filler)
	f.Write(make([]byte, 128<<10)) // more than the disk: it stops when the disk is full
	f.Close()

	_, err := s.Update(func(p *Progress) error {
		for i := 0; i < 50; i++ {
			p.Lesson("intro").Step(strings.Repeat("x", 40) + string(rune('a'+i%26))).Done = true
		}
		return nil
	})
	var full *diskfull.Error
	if !errors.As(err, &full) || !strings.HasPrefix(err.Error(), "no space left on device while saving your progress in "+filepath.Join(dir, "state")+": ") {
		t.Fatalf("Update on a full disk = %v, want a one-line *diskfull.Error naming the folder", err)
	}
	if after, _ := os.ReadFile(s.Path()); string(after) != string(before) {
		t.Fatalf("the progress file changed on a failed save:\n%s\nwant\n%s", after, before)
	}
	p, rec, err := s.Load()
	if err != nil || rec != nil || !p.Lessons["intro"].IsDone("a") {
		t.Fatalf("Load after the failed save = %v, %v, %v; want the progress saved before", p, rec, err)
	}

	os.Remove(filler)
	if _, err := s.Update(func(p *Progress) error { p.Lesson("intro").Step("b").Done = true; return nil }); err != nil {
		t.Fatalf("Update after freeing space = %v", err)
	}
}
