package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

func mediaType(s string) types.MediaType { return types.MediaType(s) }

// putBlob stores the content read from r under its sha256 digest, which
// must equal want. The content goes to a temporary file first and is
// renamed into place only once verified and synced. A blob already present
// is not written again (its content was verified when it was stored).
func (s *Store) putBlob(r io.Reader, want v1.Hash, onWrite func(n int64)) error {
	if want.Algorithm != "sha256" {
		return fmt.Errorf("store blob %s: unsupported digest algorithm", want)
	}
	final := filepath.Join(s.dir, "blobs", "sha256", want.Hex)
	if fi, err := os.Stat(final); err == nil && fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.CreateTemp(filepath.Join(s.dir, "blobs", "sha256"), ".tmp-")
	if err != nil {
		return fmt.Errorf("store blob %s: %w", want, err)
	}
	defer os.Remove(f.Name())
	h := sha256.New()
	var w io.Writer = io.MultiWriter(f, h)
	if onWrite != nil {
		w = io.MultiWriter(w, progressWriter(onWrite))
	}
	if _, err := io.Copy(w, r); err != nil {
		f.Close()
		return fmt.Errorf("store blob %s: %w", want, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want.Hex {
		f.Close()
		return fmt.Errorf("store blob %s: content has digest sha256:%s (corrupt or tampered download)", want, got)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("store blob %s: %w", want, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("store blob %s: %w", want, err)
	}
	if err := os.Rename(f.Name(), final); err != nil {
		return fmt.Errorf("store blob %s: %w", want, err)
	}
	return nil
}

type progressWriter func(n int64)

func (p progressWriter) Write(b []byte) (int, error) {
	p(int64(len(b)))
	return len(b), nil
}

// storedImage is a v1.Image read from the store's blobs.
type storedImage struct {
	s        *Store
	manifest string
	mt       types.MediaType
}

func (i *storedImage) MediaType() (types.MediaType, error) { return i.mt, nil }
func (i *storedImage) RawManifest() ([]byte, error)        { return i.s.readBlob(i.manifest) }
func (i *storedImage) RawConfigFile() ([]byte, error) {
	m, err := partial.Manifest(i)
	if err != nil {
		return nil, err
	}
	return i.s.readBlob(m.Config.Digest.String())
}

func (i *storedImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	m, err := partial.Manifest(i)
	if err != nil {
		return nil, err
	}
	for _, l := range m.Layers {
		if l.Digest == h {
			return &storedLayer{s: i.s, desc: l}, nil
		}
	}
	if m.Config.Digest == h {
		return &storedLayer{s: i.s, desc: m.Config}, nil
	}
	return nil, fmt.Errorf("blob %s is not part of image manifest %s", h, i.manifest)
}

type storedLayer struct {
	s    *Store
	desc v1.Descriptor
}

func (l *storedLayer) Digest() (v1.Hash, error)            { return l.desc.Digest, nil }
func (l *storedLayer) Size() (int64, error)                { return l.desc.Size, nil }
func (l *storedLayer) MediaType() (types.MediaType, error) { return l.desc.MediaType, nil }
func (l *storedLayer) Compressed() (io.ReadCloser, error) {
	f, err := os.Open(l.s.blobPath(l.desc.Digest.String()))
	if err != nil {
		return nil, fmt.Errorf("open layer %s: %w", l.desc.Digest, err)
	}
	return f, nil
}

// V1 returns img as a go-containerregistry image backed by the store's
// blobs, for pushing, saving or building on top of it.
func (s *Store) V1(img *Image) (v1.Image, error) {
	mt := types.OCIManifestSchema1
	if img.Manifest != nil && img.Manifest.MediaType != "" {
		mt = img.Manifest.MediaType
	}
	return partial.CompressedToImage(&storedImage{s: s, manifest: img.ManifestDigest, mt: mt})
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
