package image_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

// hostileRegistry serves a real registry, except for the manifests of
// the repositories named in the test: "big" answers a 5 MiB manifest with
// its length, "endless" a manifest that never stops coming, "slow" one
// byte a second, and "bigconfig" a manifest whose config claims 100 MiB.
// sent counts the bytes the hostile answers wrote.
func hostileRegistry(t *testing.T, sent *atomic.Int64) string {
	t.Helper()
	inner := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		repo, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/v2/"), "/manifests/")
		if !strings.Contains(r.URL.Path, "/manifests/") || r.Method == http.MethodPut {
			inner.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		pad := func(n int) []byte {
			b := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","annotations":{"pad":"`)
			b = append(b, strings.Repeat("x", n)...)
			return append(b, `"}}`...)
		}
		switch repo {
		case "big":
			b := pad(5 << 20)
			w.Header().Set("Content-Length", fmt.Sprint(len(b)))
			n, _ := w.Write(b)
			sent.Add(int64(n))
		case "endless":
			w.Write(pad(0)[:90])
			chunk := []byte(strings.Repeat("x", 64<<10))
			for r.Context().Err() == nil {
				n, err := w.Write(chunk)
				sent.Add(int64(n))
				if err != nil {
					return
				}
			}
		case "slow":
			w.WriteHeader(http.StatusOK)
			for r.Context().Err() == nil {
				if _, err := w.Write([]byte("{")); err != nil {
					return
				}
				w.(http.Flusher).Flush()
				time.Sleep(100 * time.Millisecond)
			}
		case "bigconfig":
			fmt.Fprintf(w, `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",`+
				`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":%d,"digest":"sha256:%s"},"layers":[]}`,
				100<<20, strings.Repeat("0", 64))
		default:
			inner.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// A registry cannot make a pull hold more than 4 MiB of manifest or 8 MiB
// of config, nor keep it waiting for a manifest forever; each refusal
// says what was too large, and is not mistaken for an unreachable
// registry (which would try the offline fallback).
func TestPullRefusesOversizedManifests(t *testing.T) {
	defer image.SetManifestTimeout(2 * time.Second)()
	var sent atomic.Int64
	host := hostileRegistry(t, &sent)
	imagetest.Push(t, host+"/fine:1", imagetest.Random(t, 1, 1024))
	s, err := image.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.Pull(ctx, host+"/fine:1", image.PullOptions{}); err != nil && !strings.Contains(err.Error(), "operation not permitted") {
		// Unpacking needs root; the manifest and config were accepted.
		t.Fatalf("Pull(fine:1) = %v, want the hostile registry to serve a normal image", err)
	}
	for _, tc := range []struct{ repo, want string }{
		{"big", "the registry's manifest is 5242981 bytes, over the 4 MiB Docker accepts"},
		{"endless", "the registry sent a manifest larger than 4 MiB, the most Docker accepts"},
		{"slow", "the registry took more than 2s to send the manifest"},
		{"bigconfig", "the registry's image config is 104857600 bytes, over the 8 MiB Docker accepts"},
	} {
		fallback := false
		start := time.Now()
		_, err := s.Pull(ctx, host+"/"+tc.repo+":1", image.PullOptions{Fallback: func(context.Context, string) error {
			fallback = true
			return errors.New("no recipe")
		}})
		want := "pull " + host + "/" + tc.repo + ":1: " + tc.want
		if err == nil || err.Error() != want {
			t.Errorf("Pull(%s) = %v, want %q", tc.repo, err, want)
		}
		var tl *image.TooLargeError
		if tc.repo != "slow" && !errors.As(err, &tl) {
			t.Errorf("Pull(%s) = %T, want a *image.TooLargeError", tc.repo, err)
		}
		if fallback {
			t.Errorf("Pull(%s) tried the offline fallback: a hostile registry is not an unreachable one", tc.repo)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("Pull(%s) took %v", tc.repo, d)
		}
	}
	// The client stops reading at the limit; what the server got out is
	// bounded by the socket buffers, not by its will to keep sending.
	if n := sent.Load(); n > 64<<20 {
		t.Errorf("the hostile registry sent %d MiB before the pulls gave up, want the reads bounded", n>>20)
	}
	if imgs, _ := s.List(ctx); len(imgs) > 1 {
		t.Errorf("List after refused pulls = %d images, want at most fine:1", len(imgs))
	}
}
