package registry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// PushEvent is one line of push progress, as Docker prints it: a layer's
// short digest and "Pushed" or "Layer already exists".
type PushEvent struct {
	ID     string
	Status string
}

// NotLocalError refuses a push to a registry outside this machine: the
// sandbox sends nothing to the internet.
type NotLocalError struct{ Registry string }

func (e *NotLocalError) Error() string {
	return fmt.Sprintf("Dockyard pushes only to a registry on this machine, not %s: start one with \"dockyard registry start\", then tag and push to localhost:5000/NAME:TAG", e.Registry)
}

// IsLocal reports whether a registry host ("localhost:5000",
// "127.0.0.1:5000", "[::1]:5000") is on loopback.
func IsLocal(registry string) bool {
	host := registry
	if h, _, err := net.SplitHostPort(registry); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Push uploads img to ref (a tag on a loopback registry) layer by layer,
// then its manifest, and returns the manifest's digest and size.
func Push(ctx context.Context, img v1.Image, ref string, progress func(PushEvent)) (v1.Hash, int64, error) {
	tag, err := name.NewTag(ref)
	if err != nil {
		return v1.Hash{}, 0, fmt.Errorf("invalid reference format: %w", err)
	}
	if !IsLocal(tag.RegistryStr()) {
		return v1.Hash{}, 0, &NotLocalError{Registry: tag.RegistryStr()}
	}
	if progress == nil {
		progress = func(PushEvent) {}
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
	layers, err := img.Layers()
	if err != nil {
		return v1.Hash{}, 0, err
	}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return v1.Hash{}, 0, err
		}
		short := d.Hex[:12]
		exists, err := blobExists(ctx, tag.Repository, d)
		if err != nil {
			return v1.Hash{}, 0, pushError(tag, err)
		}
		if exists {
			progress(PushEvent{ID: short, Status: "Layer already exists"})
			continue
		}
		if err := remote.WriteLayer(tag.Repository, l, opts...); err != nil {
			return v1.Hash{}, 0, pushError(tag, err)
		}
		progress(PushEvent{ID: short, Status: "Pushed"})
	}
	if err := remote.Write(tag, img, opts...); err != nil {
		return v1.Hash{}, 0, pushError(tag, err)
	}
	d, err := img.Digest()
	if err != nil {
		return v1.Hash{}, 0, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return v1.Hash{}, 0, err
	}
	return d, int64(len(raw)), nil
}

func blobExists(ctx context.Context, repo name.Repository, d v1.Hash) (bool, error) {
	u := fmt.Sprintf("%s://%s/v2/%s/blobs/%s", repo.Scheme(), repo.RegistryStr(), repo.RepositoryStr(), d)
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, u, nil)
	if err != nil {
		return false, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false, err
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

func pushError(tag name.Tag, err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return fmt.Errorf("cannot reach the registry at %s (is it running? dockyard registry start)", tag.RegistryStr())
	}
	return fmt.Errorf("push %s: %w", tag, err)
}
