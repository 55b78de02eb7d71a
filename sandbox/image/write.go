package image

import (
	"context"
	"fmt"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Write adds a locally made image (a build, a baked lesson image, a load)
// to the store and points tags at it. Tags are normalised like pull's
// ("busybox" is docker.io/library/busybox:latest). Every blob is verified
// against its digest and every layer unpacked before the image is recorded,
// but for a LocalLayer, which is linked in.
func (s *Store) Write(ctx context.Context, img v1.Image, tags ...string) (*Image, error) {
	return s.write(ctx, img, "", tags)
}

func (s *Store) write(ctx context.Context, img v1.Image, repoDigest string, tags []string) (*Image, error) {
	full := make([]string, 0, len(tags))
	for _, t := range tags {
		ref, err := ParseReference(t)
		if err != nil {
			return nil, err
		}
		if ref.Digest() != "" {
			return nil, fmt.Errorf("write image: cannot tag with a digest reference %s", t)
		}
		full = append(full, ref.String())
	}
	release, err := s.ingest(ctx)
	if err != nil {
		return nil, err
	}
	defer release()

	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("write image: manifest: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("write image: config: %w", err)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("write image: layers: %w", err)
	}
	if len(layers) != len(cf.RootFS.DiffIDs) {
		return nil, fmt.Errorf("write image: config lists %d layers, manifest %d", len(cf.RootFS.DiffIDs), len(layers))
	}
	var size int64
	for i, l := range layers {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		d, err := l.Digest()
		if err != nil {
			return nil, fmt.Errorf("write image: layer %d: %w", i, err)
		}
		if ll, ok := l.(LocalLayer); ok {
			n, linked, err := s.linkLayer(ctx, ll, d, cf.RootFS.DiffIDs[i])
			if err != nil {
				return nil, fmt.Errorf("write image: %w", err)
			}
			if linked {
				size += n
				continue
			}
		}
		rc, err := l.Compressed()
		if err != nil {
			return nil, fmt.Errorf("write image: layer %s: %w", d, err)
		}
		had := s.hasBlob(d.String())
		err = s.putBlob(rc, d, nil)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("write image: %w", err)
		}
		sl := &storedLayer{s: s, desc: v1.Descriptor{Digest: d}}
		n, err := s.unpackLayer(ctx, sl.Compressed, cf.RootFS.DiffIDs[i], nil, !had)
		if err != nil {
			if !had {
				// Not kept: the next write of the same blob would find it
				// and skip the check.
				os.Remove(s.blobPath(d.String()))
			}
			return nil, fmt.Errorf("write image: %w", err)
		}
		size += n
	}
	rec, err := s.putMeta(img, m)
	if err != nil {
		return nil, fmt.Errorf("write image: %w", err)
	}
	rec.Size = size
	return s.commit(ctx, rec, repoDigest, full)
}

// putMeta stores an image's config and manifest blobs and returns its record.
func (s *Store) putMeta(img v1.Image, m *v1.Manifest) (record, error) {
	rawCfg, err := img.RawConfigFile()
	if err != nil {
		return record{}, fmt.Errorf("config: %w", err)
	}
	if err := s.putBlob(bytesReader(rawCfg), m.Config.Digest, nil); err != nil {
		return record{}, fmt.Errorf("config: %w", err)
	}
	rawM, err := img.RawManifest()
	if err != nil {
		return record{}, fmt.Errorf("manifest: %w", err)
	}
	md, err := img.Digest()
	if err != nil {
		return record{}, fmt.Errorf("manifest: %w", err)
	}
	if err := s.putBlob(bytesReader(rawM), md, nil); err != nil {
		return record{}, fmt.Errorf("manifest: %w", err)
	}
	mt, err := img.MediaType()
	if err != nil {
		return record{}, fmt.Errorf("manifest: %w", err)
	}
	return record{ID: m.Config.Digest.String(), Manifest: md.String(), ManifestMT: string(mt), ManifestLen: int64(len(rawM))}, nil
}
