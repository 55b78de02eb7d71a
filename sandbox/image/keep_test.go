package image_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

// A kept image survives docker rmi whole, and comes back as a re-tag; an
// image not kept is collected and cannot be restored.
func TestRemovedKeptImageRestores(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	for _, keep := range []bool{true, false} {
		s := openStore(t)
		img, err := s.Write(ctx, imagetest.Busybox(t), "busybox:latest")
		if err != nil {
			t.Fatal(err)
		}
		if keep {
			s.SetKeep(func() []string { return []string{img.ManifestDigest} })
		}
		if _, err := s.Remove(ctx, "busybox:latest", image.RemoveOptions{}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Restore(ctx, img.ManifestDigest, "busybox:latest")
		if !keep {
			if !errors.Is(err, image.ErrNotFound) {
				t.Errorf("Restore of an image not kept = %v, want ErrNotFound", err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Restore(kept) = %v", err)
		}
		if got.ID != img.ID || got.Size != img.Size || !slices.Equal(got.RepoTags, []string{"busybox:latest"}) {
			t.Errorf("Restore = %s %d %v, want %s %d [busybox:latest]", got.ID, got.Size, got.RepoTags, img.ID, img.Size)
		}
		if _, err := s.LayerDirs(ctx, got); err != nil {
			t.Errorf("LayerDirs of the restored image: %v", err)
		}
	}
}

// Offline, a pull of an image the fallback keeps says it is up to date, as
// Docker does; one the fallback brings back lists its layers.
func TestOfflinePullReportsLikeAPull(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	s := openStore(t)
	img, err := s.Write(ctx, imagetest.Busybox(t), "busybox:latest")
	if err != nil {
		t.Fatal(err)
	}
	s.SetKeep(func() []string { return []string{img.ManifestDigest} })
	pull := func() []string {
		var lines []string
		_, err := s.Pull(ctx, "busybox", image.PullOptions{
			Transport: refuseAll{},
			Progress: func(e image.Event) {
				if e.ID != "" {
					lines = append(lines, e.ID+": "+e.Status)
				} else {
					lines = append(lines, e.Status)
				}
			},
			Fallback: func(ctx context.Context, ref string) error {
				if _, err := s.Get(ctx, ref); err == nil {
					return nil
				}
				_, err := s.Restore(ctx, img.ManifestDigest, ref)
				return err
			},
		})
		if err != nil {
			t.Fatalf("offline Pull: %v", err)
		}
		return lines
	}
	digest := "Digest: " + img.ManifestDigest
	if got, want := pull(), []string{"latest: Pulling from library/busybox", digest, "Status: Image is up to date for busybox:latest"}; !slices.Equal(got, want) {
		t.Errorf("offline pull of a present image printed %q, want %q", got, want)
	}
	if _, err := s.Remove(ctx, "busybox", image.RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	got := pull()
	want := []string{"latest: Pulling from library/busybox"}
	for _, l := range img.Manifest.Layers {
		want = append(want, l.Digest.Hex[:12]+": "+image.StatusAlreadyExists)
	}
	want = append(want, digest, "Status: Downloaded newer image for busybox:latest")
	if !slices.Equal(got, want) {
		t.Errorf("offline pull after rmi printed %q, want %q", got, want)
	}
}
