package engine

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
	"github.com/dockyard-lab/dockyard/sandbox/monitor"
)

// halfMadeRoot, set in a child of TestCreateKilledBeforeItsNetworkRecord,
// is the state root where the child writes a container's record as
// CreateContainer does and is then killed, before the network record.
const halfMadeRoot = "DOCKYARD_TEST_HALF_MADE_ROOT"

// TestCreateKilledBeforeItsNetworkRecord is the crash point between a
// create's two records: a process writes a bridge container's record and is
// killed with SIGKILL before it records the container's networking. That
// container must not start on none, and the next listing removes it (its
// name is free again), while a create in progress (its creator alive) is
// left alone.
func TestCreateKilledBeforeItsNetworkRecord(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ctx := context.Background()
	if root := os.Getenv(halfMadeRoot); root != "" {
		e, err := Open(ctx, Options{Root: root})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.containers.Create(bridgeSpec(ctx, t, e, "half")); err != nil {
			t.Fatal(err)
		}
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {}
	}
	root := t.TempDir()
	e, err := Open(ctx, Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.images.Write(ctx, imagetest.Busybox(t), "busybox:latest"); err != nil {
		t.Fatal(err)
	}
	child := exec.Command(os.Args[0], "-test.run=^TestCreateKilledBeforeItsNetworkRecord$")
	child.Env = append(os.Environ(), halfMadeRoot+"="+root)
	out, err := child.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the creating child ended with %v, want killed:\n%s", err, out)
	}
	half, err := e.containers.Get("half")
	if err != nil {
		t.Fatalf("the killed create left no record (%v): the crash point was missed", err)
	}
	inProgress, err := e.containers.Create(bridgeSpec(ctx, t, e, "in-progress"))
	if err != nil {
		t.Fatal(err)
	}

	// Started before any listing, it does not run on none.
	if _, err := monitor.Hooks(root).Prestart(ctx, half); !errors.Is(err, monitor.ErrHalfMade) {
		t.Errorf("Prestart(half-made) = %v, want ErrHalfMade", err)
	}

	list, err := e.ListContainers(ctx, ListOptions{All: true})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range list {
		names = append(names, c.Name)
	}
	if len(names) != 1 || names[0] != inProgress.Name {
		t.Errorf("ListContainers after the killed create = %q, want only [in-progress] (a create whose creator runs)", names)
	}
	if _, err := e.containers.Get("half"); !errors.Is(err, container.ErrNotFound) {
		t.Errorf("Get(half) after the listing = %v, want ErrNotFound", err)
	}
	none, err := ParseNetworkMode("none")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.CreateContainer(ctx, CreateOptions{Name: "half", Image: "busybox", Network: none}); err != nil {
		t.Errorf("create of the name again = %v, want it free", err)
	}
}

// bridgeSpec is the record CreateContainer writes for `docker create
// --name name -p 127.0.0.1:8080:80 busybox`, before its network record.
func bridgeSpec(ctx context.Context, t *testing.T, e *Engine, name string) container.Spec {
	t.Helper()
	img, err := e.images.Get(ctx, "busybox")
	if err != nil {
		t.Fatal(err)
	}
	layers, err := e.images.LayerDirs(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	return container.Spec{Name: name, Image: "busybox", ImageID: img.ID, LowerDirs: layers,
		Config: container.Config{Cmd: []string{"true"}},
		Host: container.HostConfig{NetworkMode: "bridge",
			PortBindings: map[string][]container.PortBinding{"80/tcp": {{HostIP: "127.0.0.1", HostPort: "8080"}}}}}
}
