package engine

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dockyard-lab/dockyard/sandbox/bake"
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

// refuseAll answers every request as a refused connection: no registry is
// reachable, and nothing leaves the machine.
type refuseAll struct{}

func (refuseAll) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused (test transport)")}
}

// After "docker rmi" of every tag of a baked image, an offline "docker pull
// busybox" brings back busybox:latest, as a pull of that one reference
// does, and not the recipe's other tag (busybox:1.35); it prints what a
// pull prints.
func TestOfflinePullBringsBackOnlyTheTagAskedFor(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ctx := context.Background()
	e, err := Open(ctx, Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.Baker(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// Baked, as far as the baker can tell: busybox and its base carry the
	// labels of their current recipes, so Bake only records them.
	for _, name := range []string{"debian", "busybox"} {
		r := b.Recipes.Get(name)
		img, err := mutate.Config(imagetest.Busybox(t), v1.Config{Labels: map[string]string{bake.LabelRecipe: b.Recipes.Label(r)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.images.Write(ctx, img, r.Tags...); err != nil {
			t.Fatal(err)
		}
	}
	if res, err := b.Bake(ctx, "busybox"); err != nil || len(res) != 2 || !res[1].Cached {
		t.Fatalf("Bake(busybox) = %+v, %v; want debian and busybox up to date", res, err)
	}
	for _, ref := range []string{"busybox:latest", "busybox:1.35"} {
		if _, err := e.RemoveImage(ctx, ref, RemoveImageOptions{}); err != nil {
			t.Fatalf("rmi %s: %v", ref, err)
		}
	}
	var lines []string
	_, err = e.PullImage(WithBakeOutput(ctx, io.Discard), "busybox", PullOptions{
		Transport: refuseAll{},
		Progress:  func(ev PullEvent) { lines = append(lines, strings.TrimPrefix(ev.ID+": "+ev.Status, ": ")) },
	})
	if err != nil {
		t.Fatalf("offline pull busybox after rmi: %v", err)
	}
	if _, err := e.Image(ctx, "busybox:latest"); err != nil {
		t.Errorf("busybox:latest after the pull: %v, want it back", err)
	}
	if img, err := e.Image(ctx, "busybox:1.35"); err == nil {
		t.Errorf("busybox:1.35 after pulling busybox is %s, want no such image (only the tag asked for comes back)", img.ID)
	}
	if n := len(lines); n < 4 || lines[0] != "latest: Pulling from library/busybox" ||
		!strings.HasSuffix(lines[1], ": Already exists") || !strings.HasPrefix(lines[n-2], "Digest: sha256:") ||
		lines[n-1] != "Status: Downloaded newer image for busybox:latest" {
		t.Errorf("offline pull printed %q, want Pulling from, a line per layer (Already exists), Digest, Status", lines)
	}
}
