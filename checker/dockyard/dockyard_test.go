package dockyard_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/checkertest"
	"github.com/dockyard-lab/dockyard/checker/dockerapi"
	"github.com/dockyard-lab/dockyard/checker/dockyard"
	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/scope"
	"github.com/dockyard-lab/dockyard/sandbox/vm"
)

// TestMain lets this test binary be libcontainer's init: the checker's
// exec runs in-process, as in `dockyard check`.
func TestMain(m *testing.M) {
	container.Reexec(nil)
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binDir holds the dockyard binary built once for the package's tests.
var (
	binOnce sync.Once
	binDir  string
	binErr  error
)

func dockyardBinary(t testing.TB) string {
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "ckdy-bin"); binErr != nil {
			return
		}
		build := exec.Command("go", "build", "-tags", "seccomp,netgo,osusergo", "-o", filepath.Join(binDir, "dockyard"),
			"github.com/dockyard-lab/dockyard/cmd/dockyard")
		if out, err := build.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("build dockyard: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "dockyard")
}

// TestSuite runs the shared suite against Dockyard's own engine: state made
// with `dockyard docker` (a binary built from this tree), read in-process.
func TestSuite(t *testing.T) {
	checkertest.Run(t, startDockyard(t))
}

// TestSuiteThroughServe runs the shared suite against the same engine
// through `dockyard serve` and the Docker Engine API backend.
func TestSuiteThroughServe(t *testing.T) {
	cli := startDockyard(t)
	sock := filepath.Join(filepath.Dir(cli.Command[2]), "docker.sock")
	serve := exec.Command(cli.Command[0], cli.Command[1], cli.Command[2], "serve", "--socket", sock, "--group", "")
	var log strings.Builder
	serve.Stdout, serve.Stderr = &log, &log
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { serve.Process.Kill(); serve.Wait() })
	api, err := dockerapi.Open("unix://" + sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := api.Ping(ctx)
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dockyard serve did not answer: %v\n%s", err, log.String())
		}
	}
	served := *cli
	served.Eng = api
	checkertest.Run(t, &served)
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
	bin := dockyardBinary(t)
	dir, err := os.MkdirTemp("/tmp", "ckdy")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // runs last
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
		_ = e.ResetNetworks(ctx)
	})
	archive := filepath.Join(dir, "busybox.tar")
	checkertest.WriteBusyboxArchive(t, archive, checkertest.TestImage)
	cli.Docker(t, "load", "-i", archive)
	return cli
}

// TestLastVMRunSinceStepEntered: a `vm` check reads only a run made after
// the student entered the step (sandbox/scope), so a VM that ran in an
// earlier lesson or try does not pass or fail today's step.
func TestLastVMRunSinceStepEntered(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	root := t.TempDir()
	e, err := engine.Open(context.Background(), engine.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	d := dockyard.New(e)
	zero := 0
	ran := time.Now().Add(-time.Hour)
	if err := vm.RecordLastRun(vm.Dir(root), vm.LastRun{Time: ran, Command: []string{"uname", "-r"}, ExitCode: &zero}); err != nil {
		t.Fatal(err)
	}
	if r, err := d.LastVMRun(context.Background()); err != nil || !r.Time.Equal(ran) {
		t.Fatalf("LastVMRun with no step active = %+v, %v, want the run", r, err)
	}
	if err := scope.Write(root, scope.Scope{Lesson: "vm-vs-container", Step: "boot-time", Entered: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if r, err := d.LastVMRun(context.Background()); !errors.Is(err, checker.ErrNotFound) {
		t.Errorf("LastVMRun of a run before the step = %+v, %v, want ErrNotFound", r, err)
	}
	later := time.Now().Add(time.Second)
	if err := vm.RecordLastRun(vm.Dir(root), vm.LastRun{Time: later, Command: []string{"true"}, ExitCode: &zero}); err != nil {
		t.Fatal(err)
	}
	if r, err := d.LastVMRun(context.Background()); err != nil || !r.Time.Equal(later) {
		t.Errorf("LastVMRun of a run in the step = %+v, %v, want it", r, err)
	}
}
