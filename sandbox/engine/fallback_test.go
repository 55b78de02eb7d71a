package engine

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

// With no registry, a pull of an image the student already has keeps theirs:
// nothing is baked over it.
func TestOfflineFallbackKeepsALocalImage(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ctx := context.Background()
	e, err := Open(ctx, Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	mine, err := e.images.Write(ctx, imagetest.Busybox(t), "busybox:latest")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := e.offlineImage(WithBakeOutput(ctx, &out), "docker.io/library/busybox:latest"); err != nil {
		t.Fatalf("fallback(busybox) error = %v, want nil", err)
	}
	if out.Len() != 0 {
		t.Errorf("fallback(busybox) printed %q, want nothing (the pull says it is up to date)", out.String())
	}
	got, err := e.images.Get(ctx, "busybox:latest")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != mine.ID {
		t.Errorf("busybox:latest is %s after the fallback, want the student's %s", got.ID, mine.ID)
	}
}
