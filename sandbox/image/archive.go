package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Save writes the images named by refs (names or ids) to w as a
// docker-archive tar (`docker save`), which `docker load` of Docker,
// podman and Dockyard all read. Names are kept; an image named by id is
// saved without names.
func (s *Store) Save(ctx context.Context, refs []string, w io.Writer) error {
	byID := map[string]v1.Image{}
	refToImage := map[name.Reference]v1.Image{}
	for _, r := range refs {
		img, err := s.Get(ctx, r)
		if err != nil {
			return err
		}
		vi, ok := byID[img.ID]
		if !ok {
			if vi, err = s.V1(img); err != nil {
				return fmt.Errorf("save %s: %w", r, err)
			}
			byID[img.ID] = vi
		}
		var ref name.Reference
		if pr, err := ParseReference(r); err == nil && pr.Digest() == "" && slices.Contains(img.RepoTags, pr.Familiar()) {
			ref, err = name.NewTag(pr.Familiar())
			if err != nil {
				return fmt.Errorf("save %s: %w", r, err)
			}
		} else {
			// Saved by id or digest: no name, as Docker does.
			ref, err = name.NewDigest("dockyard.invalid/untagged@" + img.ManifestDigest)
			if err != nil {
				return fmt.Errorf("save %s: %w", r, err)
			}
		}
		refToImage[ref] = vi
	}
	if err := tarball.MultiRefWrite(refToImage, w); err != nil {
		return fmt.Errorf("save: %w", err)
	}
	return nil
}

// Loaded is one image `docker load` added, with the names it got.
type Loaded struct {
	Image *Image
	Tags  []string // as Docker shows them
}

// Load reads a `docker save` tar (manifest.json) or an OCI image layout
// tar (index.json, as `docker save` of Docker 25+ and skopeo write) and
// stores every image in it under the names the archive gives.
func (s *Store) Load(ctx context.Context, r io.Reader) ([]Loaded, error) {
	// Held from the first byte: GC (after any docker rmi) removes what it
	// finds in tmp unless a pull, write or load holds this lock.
	release, err := s.ingest(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	tmp, err := os.MkdirTemp(filepath.Join(s.dir, "tmp"), "load-")
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	defer os.RemoveAll(tmp)
	archive := filepath.Join(tmp, "archive.tar")
	f, err := os.Create(archive)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	n, err := io.Copy(f, &ctxReader{ctx, r})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("load: read archive: %w", err)
	}
	if n == 0 {
		return nil, errors.New("load: the input is empty: give the file written by docker save (docker load -i FILE)")
	}
	names, err := tarNames(archive)
	if err != nil {
		return nil, err
	}
	switch {
	case names["manifest.json"]:
		return s.loadDockerArchive(ctx, archive)
	case names["index.json"]:
		dir := filepath.Join(tmp, "layout")
		if err := os.Mkdir(dir, 0o700); err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		af, err := os.Open(archive)
		if err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		defer af.Close()
		// The archive is untrusted: the same safe unpack as image layers.
		if _, err := Unpack(af, dir); err != nil {
			return nil, fmt.Errorf("load: %w", err)
		}
		out, err := s.loadLayout(ctx, dir)
		var pe *fs.PathError
		if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) && strings.HasPrefix(pe.Path, dir+"/") {
			// Not the temporary path: what the archive lacks.
			return out, fmt.Errorf("load: the archive is incomplete: %s is missing from it", strings.TrimPrefix(pe.Path, dir+"/"))
		}
		return out, err
	}
	return nil, errors.New("load: not an image archive: no manifest.json (docker save) or index.json (OCI layout) in it")
}

func tarNames(p string) (map[string]bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, nil
		}
		if err != nil {
			if len(names) == 0 {
				return nil, fmt.Errorf("load: not a tar archive (%v): give the file written by docker save", err)
			}
			return nil, fmt.Errorf("load: read archive: %w", err)
		}
		names[strings.TrimPrefix(h.Name, "./")] = true
	}
}

func (s *Store) loadDockerArchive(ctx context.Context, archive string) ([]Loaded, error) {
	opener := func() (io.ReadCloser, error) { return os.Open(archive) }
	m, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, fmt.Errorf("load: manifest.json: %w", err)
	}
	if len(m) == 0 {
		return nil, errors.New("load: the archive holds no image: its manifest.json lists none")
	}
	var out []Loaded
	for _, d := range m {
		var tag *name.Tag
		if len(d.RepoTags) > 0 {
			t, err := name.NewTag(d.RepoTags[0])
			if err != nil {
				return out, fmt.Errorf("load: tag %q: %w", d.RepoTags[0], err)
			}
			tag = &t
		} else if len(m) > 1 {
			return out, fmt.Errorf("load: the archive holds %d images and one of them has no name; save them one by one", len(m))
		}
		vi, err := tarball.Image(opener, tag)
		if err != nil {
			return out, fmt.Errorf("load: %w", err)
		}
		img, err := s.write(ctx, vi, "", d.RepoTags)
		if err != nil {
			return out, fmt.Errorf("load: %w", err)
		}
		var tags []string
		for _, t := range d.RepoTags {
			tags = append(tags, familiarize(t))
		}
		out = append(out, Loaded{Image: img, Tags: tags})
	}
	return out, nil
}

func (s *Store) loadLayout(ctx context.Context, dir string) ([]Loaded, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("load: OCI layout: %w", err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("load: OCI layout: %w", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("load: OCI layout: %w", err)
	}
	var out []Loaded
	for _, d := range im.Manifests {
		var vi v1.Image
		switch {
		case d.MediaType.IsImage():
			vi, err = idx.Image(d.Digest)
		case d.MediaType.IsIndex():
			vi, err = platformImage(idx, d.Digest)
		default:
			continue
		}
		if err != nil {
			return out, fmt.Errorf("load: OCI layout: %w", err)
		}
		var tags []string
		if n := layoutName(d.Annotations); n != "" {
			tags = []string{n}
		}
		img, err := s.write(ctx, vi, "", tags)
		if err != nil {
			return out, fmt.Errorf("load: %w", err)
		}
		var fam []string
		for _, t := range tags {
			fam = append(fam, familiarize(t))
		}
		out = append(out, Loaded{Image: img, Tags: fam})
	}
	if len(out) == 0 {
		return nil, errors.New("load: the OCI layout holds no image")
	}
	return out, nil
}

// layoutName reads an image's name from OCI layout annotations: containerd
// and Docker write the full name in io.containerd.image.name; the OCI
// ref.name annotation may hold a full name or only a tag.
func layoutName(a map[string]string) string {
	if n := a["io.containerd.image.name"]; n != "" {
		return n
	}
	if n := a["org.opencontainers.image.ref.name"]; n != "" {
		if _, err := ParseReference(n); err == nil && (strings.ContainsAny(n, "/:")) {
			return n
		}
	}
	return ""
}

func platformImage(idx v1.ImageIndex, d v1.Hash) (v1.Image, error) {
	child, err := idx.ImageIndex(d)
	if err != nil {
		return nil, err
	}
	cm, err := child.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, m := range cm.Manifests {
		if m.Platform != nil && m.Platform.OS == "linux" && m.Platform.Architecture == "amd64" && m.MediaType.IsImage() {
			return child.Image(m.Digest)
		}
	}
	for _, m := range cm.Manifests {
		if m.MediaType.IsImage() && m.Platform == nil {
			return child.Image(m.Digest)
		}
	}
	return nil, fmt.Errorf("no linux/amd64 image in index %s", d)
}
