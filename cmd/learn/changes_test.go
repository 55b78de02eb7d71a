package learn

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestChanges(t *testing.T) {
	root, dir := t.TempDir(), t.TempDir()
	prog := filepath.Join(t.TempDir(), "progress.json")
	c := newChanges(root, dir, prog)
	if c.Changed() {
		t.Fatal("Changed() = true with nothing changed")
	}
	// A store folder appearing (the engine's first container) is a change.
	if err := os.Mkdir(filepath.Join(root, "containers"), 0o755); err != nil {
		t.Fatal(err)
	}
	if !c.Changed() {
		t.Error("Changed() = false after <root>/containers appeared")
	}
	if c.Changed() {
		t.Error("Changed() = true twice for one change")
	}
	// A file written in the student's folder.
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(dir, past, past); err != nil {
		t.Fatal(err)
	}
	c.Changed()
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if !c.Changed() {
		t.Error("Changed() = false after a file was created in the student's folder")
	}
}
