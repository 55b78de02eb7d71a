package author_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// TestBuiltinLessons runs `dockyard author test` on every lesson in
// content/lessons against a fresh Dockyard engine: every step's checks fail
// before its reference solution, pass after it, and its cleanup leaves the
// engine as it found it. The lessons' images are baked first (Debian's
// archive must be reachable), which takes minutes: -short leaves it out.
// The lessons publish host ports (8080, 5433), which must be free.
func TestBuiltinLessons(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if testing.Short() {
		t.Skip("-short: bakes every lesson image and runs every lesson (minutes)")
	}
	dir, err := os.MkdirTemp("/tmp", "dy-lessons")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // runs last
	bin := filepath.Join(dir, "dockyard")
	build := exec.Command("go", "build", "-tags", "seccomp", "-o", bin, "github.com/dockyard-lab/dockyard/cmd/dockyard")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build dockyard: %v\n%s", err, out)
	}
	root := filepath.Join(dir, "root")
	docker := func(args ...string) string {
		out, _ := exec.Command(bin, append([]string{"--root", root, "docker"}, args...)...).CombinedOutput()
		return strings.TrimSpace(string(out))
	}
	t.Cleanup(func() {
		if ids := docker("ps", "-aq"); ids != "" {
			docker(append([]string{"rm", "-f"}, strings.Fields(ids)...)...)
		}
		docker("network", "prune", "-f")
		docker("volume", "prune", "-af")
		if e, err := engine.Open(context.Background(), engine.Options{Root: root}); err == nil {
			if nets, err := e.Networks(); err == nil {
				nets.Teardown(context.Background())
			}
		}
	})
	cmd := exec.Command(bin, "--root", root, "author", "test")
	out, err := cmd.CombinedOutput()
	t.Logf("dockyard author test:\n%s", out)
	if err != nil {
		t.Errorf("dockyard author test: %v", err)
	}
}
