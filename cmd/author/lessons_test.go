package author_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/content"
	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// TestBuiltinLessons runs `dockyard author test` on every lesson in
// content/lessons against a fresh Dockyard engine: every step's checks fail
// before its reference solution, pass after it, and its cleanup leaves the
// engine as it found it. The lessons' images are baked first (Debian's
// archive must be reachable), which takes minutes: -short leaves it out.
// The lessons publish host ports (8080, 5433, 5434), which must be free.
// The compose lesson needs Docker Compose built (make compose).
// Then, on the same engine, `author test --course` walks the lessons in menu
// order without cleaning up between steps, as a student does: no step may
// pass on what an earlier one left. Each run is bounded in time, and each
// lesson is a subtest of its own.
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
	build := exec.Command("go", "build", "-tags", "seccomp,netgo,osusergo", "-o", bin, "github.com/dockyard-lab/dockyard/cmd/dockyard")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build dockyard: %v\n%s", err, out)
	}
	// The compose lesson runs the real Docker Compose, found beside the
	// dockyard binary (make test builds it first).
	compose, err := filepath.Abs("../../bin/cli-plugins/docker-compose")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(compose); err != nil {
		t.Fatalf("Docker Compose is not built (run make compose; make test does): %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "cli-plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(compose, filepath.Join(dir, "cli-plugins", "docker-compose")); err != nil {
		t.Fatal(err)
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
			_ = e.ResetNetworks(context.Background())
		}
	})
	run := func(t *testing.T, args ...string) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append([]string{"--root", root}, append(args, "--script-timeout", "3m")...)...)
		out, err := cmd.CombinedOutput()
		t.Logf("dockyard %s:\n%s", strings.Join(args, " "), out)
		if err != nil {
			t.Errorf("dockyard %s: %v", strings.Join(args, " "), err)
		}
	}
	// A lesson at a time, so that one can be run alone after an edit
	// (-run 'TestBuiltinLessons/volumes'), then the course walk.
	course, err := lessons.Load(lessons.Source{FS: content.Lessons(), Name: "content/lessons"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range course.IDs() {
		t.Run(id, func(t *testing.T) { run(t, "author", "test", id) })
	}
	t.Run("course", func(t *testing.T) { run(t, "author", "test", "--course") })
}
