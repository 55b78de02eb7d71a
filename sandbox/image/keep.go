package image

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// SetKeep installs the images, by manifest digest, whose blobs and
// unpacked layers GC keeps although no name points at them any more: the
// baked lesson images, so that pulling one back after "docker rmi" is a
// Restore (a re-tag), not a rebuild.
func (s *Store) SetKeep(f func() []string) { s.keep = f }

// kept adds the blobs and layers of the kept images to the GC's roots.
// A kept manifest whose blobs are gone keeps nothing.
func (s *Store) kept(blobs, layers map[string]bool) {
	if s.keep == nil {
		return
	}
	for _, md := range s.keep() {
		m, cf, err := s.readImage(md)
		if err != nil {
			continue
		}
		blobs[m.Config.Digest.Hex] = true
		if h, err := v1.NewHash(md); err == nil {
			blobs[h.Hex] = true
		}
		for _, l := range m.Layers {
			blobs[l.Digest.Hex] = true
		}
		for _, d := range cf.RootFS.DiffIDs {
			layers[d.Hex] = true
		}
	}
}

// readImage reads a manifest and its config from the store's blobs.
func (s *Store) readImage(manifest string) (*v1.Manifest, *v1.ConfigFile, error) {
	mb, err := s.readBlob(manifest)
	if err != nil {
		return nil, nil, err
	}
	m := &v1.Manifest{}
	if err := json.Unmarshal(mb, m); err != nil {
		return nil, nil, fmt.Errorf("manifest %s: %w", manifest, err)
	}
	cb, err := s.readBlob(m.Config.Digest.String())
	if err != nil {
		return nil, nil, err
	}
	cf := &v1.ConfigFile{}
	if err := json.Unmarshal(cb, cf); err != nil {
		return nil, nil, fmt.Errorf("config %s: %w", m.Config.Digest, err)
	}
	if len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return nil, nil, fmt.Errorf("manifest %s lists %d layers, its config %d", manifest, len(m.Layers), len(cf.RootFS.DiffIDs))
	}
	return m, cf, nil
}

// Restore records again an image whose manifest, config, layer blobs and
// unpacked layers are all still in the store (kept with SetKeep), and
// points tags at it: nothing is copied or unpacked. An image with any part
// missing is an error matching ErrNotFound.
func (s *Store) Restore(ctx context.Context, manifest string, tags ...string) (*Image, error) {
	full := make([]string, 0, len(tags))
	for _, t := range tags {
		ref, err := ParseReference(t)
		if err != nil {
			return nil, err
		}
		full = append(full, ref.String())
	}
	// GC waits while this runs, so nothing goes between the check and the
	// record.
	release, err := s.ingest(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	missing := &NotFoundError{Ref: manifest}
	m, cf, err := s.readImage(manifest)
	if err != nil {
		return nil, fmt.Errorf("restore: %w: %w", missing, err)
	}
	var size int64
	for i, l := range m.Layers {
		n, err := s.layerSize(cf.RootFS.DiffIDs[i])
		if err != nil || !s.hasBlob(l.Digest.String()) {
			return nil, fmt.Errorf("restore: %w: layer %s is gone", missing, l.Digest)
		}
		if _, err := os.Stat(s.layerDir(cf.RootFS.DiffIDs[i])); err != nil {
			return nil, fmt.Errorf("restore: %w: layer %s is not unpacked", missing, l.Digest)
		}
		size += n
	}
	mt := string(m.MediaType)
	if mt == "" {
		mt = "application/vnd.oci.image.manifest.v1+json"
	}
	mb, _ := s.readBlob(manifest)
	rec := record{ID: m.Config.Digest.String(), Manifest: manifest, ManifestMT: mt, ManifestLen: int64(len(mb)), Size: size}
	return s.commit(ctx, rec, "", full)
}

// unpackedLayers returns the diff ids (hex) of the layers unpacked now.
func (s *Store) unpackedLayers() map[string]bool {
	out := map[string]bool{}
	ents, _ := os.ReadDir(filepath.Join(s.dir, "layers"))
	for _, e := range ents {
		if e.IsDir() {
			out[e.Name()] = true
		}
	}
	return out
}
