package diskusage_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/diskusage"
)

func TestTreeCountsRegularFilesOnce(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a", 100)
	write("sub/b", 20)
	write("sub/deeper/c", 3)
	// A symlink to a file is not counted again, nor followed out of dir.
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if got := diskusage.Tree(dir); got != 123 {
		t.Errorf("Tree = %d, want 123", got)
	}
	if got := diskusage.Tree(filepath.Join(dir, "missing")); got != 0 {
		t.Errorf("Tree of a missing dir = %d, want 0", got)
	}
}
