package dockyard_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/checker/checkertest"
	"github.com/dockyard-lab/dockyard/checker/dockyard"
	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// TestMain lets this test binary be libcontainer's init: the checker's
// exec runs in-process, as in `dockyard check`.
func TestMain(m *testing.M) {
	container.Reexec(nil)
	os.Exit(m.Run())
}

// TestSuite runs the shared suite against Dockyard's own engine: state made
// with `dockyard docker` (a binary built from this tree), read in-process.
func TestSuite(t *testing.T) {
	checkertest.Run(t, startDockyard(t))
}

// BenchmarkLessonCheck: a whole 8-check step against Dockyard's engine.
func BenchmarkLessonCheck(b *testing.B) {
	checkertest.BenchLessonCheck(b, startDockyard(b))
}

// startDockyard builds dockyard from this tree, opens a fresh state root
// and loads the test busybox image; everything is removed at the end.
func startDockyard(t testing.TB) *checkertest.CLI {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir, err := os.MkdirTemp("/tmp", "ckdy")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "dockyard")
	build := exec.Command("go", "build", "-tags", "seccomp", "-o", bin, "github.com/dockyard-lab/dockyard/cmd/dockyard")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build dockyard: %v\n%s", err, out)
	}
	root := filepath.Join(dir, "root")
	ctx := context.Background()
	e, err := engine.Open(ctx, engine.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	cli := &checkertest.CLI{Command: []string{bin, "--root", root, "docker"}, Env: os.Environ(),
		Img: checkertest.TestImage, Eng: dockyard.New(e), RealNetNS: true}
	t.Cleanup(func() {
		if ids := cli.Docker(t, "ps", "-aq"); ids != "" {
			cli.Docker(t, append([]string{"rm", "-f"}, strings.Fields(ids)...)...)
		}
		cli.Docker(t, "network", "prune", "-f")
		cli.Docker(t, "volume", "prune", "-af")
		if nets, err := e.Networks(); err == nil {
			nets.Teardown(ctx)
		}
		os.RemoveAll(dir)
	})
	archive := filepath.Join(dir, "busybox.tar")
	checkertest.WriteBusyboxArchive(t, archive, checkertest.TestImage)
	cli.Docker(t, "load", "-i", archive)
	return cli
}
