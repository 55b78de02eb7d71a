package build

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func TestRemoveStaleKeepsLiveBuilds(t *testing.T) {
	b := &Builder{CacheDir: t.TempDir()}
	dead := filepath.Join(b.CacheDir, "layers", "run-2147483646-123")
	deadTar := dead + ".tar.gz"
	live := filepath.Join(b.CacheDir, "layers", fmt.Sprintf("copy-%d-456", os.Getpid()))
	kept := filepath.Join(b.CacheDir, "layers", "0123abcd")
	for _, d := range []string{dead, live, kept} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(deadTar, nil, 0o600)
	b.removeStale()
	for p, want := range map[string]bool{dead: false, deadTar: false, live: true, kept: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("after removeStale, %s exists = %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}
