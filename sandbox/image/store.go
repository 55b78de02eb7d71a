// Package image is the image half of Dockyard's engine: references
// normalised like Docker's, a content-addressed store (an OCI image layout
// under <root>/images), pulls from OCI/Docker v2 registries with per-layer
// progress and mirrors, safe layer unpacking into directories ready to be
// overlayfs lower layers, and tag, remove, save and load.
//
// On disk, under <root>/images:
//
//	oci-layout, index.json   an OCI image layout (index.json lists every image)
//	blobs/sha256/<hex>       manifests, configs and layers, each verified by digest
//	refs.json                the names: tag -> image id, and each image's record
//	layers/<diffid hex>/     a layer unpacked once, whiteouts in overlay format
//	layers/<diffid hex>.size its unpacked size in bytes
//	lock, ingest.lock        flock locks: metadata writes; pulls against GC
//
// Blobs and unpacked layers are written to temporary names and renamed into
// place; refs.json and index.json are replaced atomically (renameio) while
// the store lock is held. An image is recorded only after all of its blobs
// are stored and its layers unpacked, so killing a pull at any moment never
// leaves an image that lists as present but is broken.
package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"time"

	"github.com/gofrs/flock"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/renameio/v2"

	"github.com/dockyard-lab/dockyard/sandbox/idindex"
)

// ErrNotFound is returned when no image matches a name or id.
var ErrNotFound = errors.New("no such image")

// NotFoundError names the image that was not found; it matches ErrNotFound.
type NotFoundError struct{ Ref string }

func (e *NotFoundError) Error() string        { return "No such image: " + e.Ref }
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Image is one stored image.
type Image struct {
	ID             string   // config digest, "sha256:..."
	RepoTags       []string // as Docker shows them: "busybox:latest"
	RepoDigests    []string // "busybox@sha256:..."
	ManifestDigest string
	Created        time.Time // from the image config
	Size           int64     // unpacked size of all layers
	Config         *v1.ConfigFile
	Manifest       *v1.Manifest
	LastTagTime    time.Time
}

// Store is an image store on disk. Its methods are safe for concurrent use,
// also by several processes.
type Store struct {
	dir     string
	lockF   string
	ingestF string
	inUse   func(imageID string) []User
	// fallback is the default PullOptions.Fallback.
	fallback func(ctx context.Context, ref string) error
	// keep lists manifests GC keeps without a name (SetKeep).
	keep func() []string
}

type record struct {
	ID          string    `json:"id"`
	Manifest    string    `json:"manifest"`
	ManifestMT  string    `json:"manifestMediaType,omitempty"`
	ManifestLen int64     `json:"manifestSize"`
	RepoDigests []string  `json:"repoDigests,omitempty"` // full: docker.io/library/busybox@sha256:...
	Size        int64     `json:"size"`
	Added       time.Time `json:"added"`
	LastTagTime time.Time `json:"lastTagTime,omitempty"`
}

type state struct {
	Images map[string]*record `json:"images"` // by id
	Refs   map[string]string  `json:"refs"`   // full tagged name -> id
}

// Open opens (creating if needed) the image store under root/images.
func Open(root string) (*Store, error) {
	dir := filepath.Join(root, "images")
	for _, d := range []string{dir, filepath.Join(dir, "blobs", "sha256"), filepath.Join(dir, "layers"), filepath.Join(dir, "tmp")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("open image store: %w", err)
		}
	}
	s := &Store{dir: dir, lockF: filepath.Join(dir, "lock"), ingestF: filepath.Join(dir, "ingest.lock")}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); errors.Is(err, os.ErrNotExist) {
		if err := renameio.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
			return nil, fmt.Errorf("open image store: %w", err)
		}
		if err := s.writeIndex(&state{}); err != nil {
			return nil, fmt.Errorf("open image store: %w", err)
		}
	}
	return s, nil
}

// Dir returns the store's directory (<root>/images).
func (s *Store) Dir() string { return s.dir }

// User is a container that uses an image.
type User struct {
	ID      string
	Running bool
}

// SetInUse installs the check Remove and Prune ask before deleting an
// image: it returns the containers using imageID. The engine wires it to
// the container store.
func (s *Store) SetInUse(f func(imageID string) []User) { s.inUse = f }

// SetFallback installs the offline fallback that pulls use when their
// options name none (the engine wires the baked lesson images here).
func (s *Store) SetFallback(f func(ctx context.Context, ref string) error) { s.fallback = f }

func (s *Store) usedBy(id string) []User {
	if s.inUse == nil {
		return nil
	}
	return s.inUse(id)
}

func (s *Store) load() (*state, error) {
	st := &state{Images: map[string]*record{}, Refs: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(s.dir, "refs.json"))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read image refs: %w", err)
	}
	if err := json.Unmarshal(b, st); err != nil {
		p := filepath.Join(s.dir, "refs.json")
		return nil, fmt.Errorf("the image list %s is damaged (%w); move it away and pull or load your images again: mv %s %s.damaged", p, err, p, p)
	}
	if st.Images == nil {
		st.Images = map[string]*record{}
	}
	if st.Refs == nil {
		st.Refs = map[string]string{}
	}
	return st, nil
}

// sweepTemps removes the temporary files that an atomic write of refs.json
// or index.json killed midway (or cut by a power loss) left. Only with
// the store lock held: then no write is under way.
func (s *Store) sweepTemps() {
	for _, name := range []string{"refs.json", "index.json"} {
		temps, _ := filepath.Glob(filepath.Join(s.dir, "."+name+"*"))
		for _, t := range temps {
			os.Remove(t)
		}
	}
}

// sweepTempsIfIdle is sweepTemps for readers: when no write holds the
// store lock, it takes it for the sweep; otherwise the writer's own save
// sweeps.
func (s *Store) sweepTempsIfIdle() {
	l := flock.New(s.lockF)
	if ok, err := l.TryLock(); err == nil && ok {
		s.sweepTemps()
		l.Unlock()
	}
}

func (s *Store) save(st *state) error {
	s.sweepTemps()
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(filepath.Join(s.dir, "refs.json"), b, 0o600); err != nil {
		return fmt.Errorf("write image refs: %w", err)
	}
	return s.writeIndex(st)
}

// writeIndex keeps index.json a valid OCI image index of every image, with
// its names as annotations, so OCI tools (skopeo, crane) can read the store.
func (s *Store) writeIndex(st *state) error {
	idx := v1.IndexManifest{SchemaVersion: 2, MediaType: "application/vnd.oci.image.index.v1+json", Manifests: []v1.Descriptor{}}
	ids := make([]string, 0, len(st.Images))
	for id := range st.Images {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		r := st.Images[id]
		h, err := v1.NewHash(r.Manifest)
		if err != nil {
			continue
		}
		mt := r.ManifestMT
		if mt == "" {
			mt = "application/vnd.oci.image.manifest.v1+json"
		}
		d := v1.Descriptor{MediaType: mediaType(mt), Digest: h, Size: r.ManifestLen}
		var names []string
		for ref, rid := range st.Refs {
			if rid == id {
				names = append(names, ref)
			}
		}
		sort.Strings(names)
		if len(names) > 0 {
			d.Annotations = map[string]string{"io.containerd.image.name": names[0], "org.opencontainers.image.ref.name": names[0]}
		}
		idx.Manifests = append(idx.Manifests, d)
	}
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(filepath.Join(s.dir, "index.json"), b, 0o644); err != nil {
		return fmt.Errorf("write image index: %w", err)
	}
	return nil
}

// locked runs f with the store lock held, on freshly read state; when f
// returns true the state is saved.
func (s *Store) locked(ctx context.Context, f func(st *state) (bool, error)) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	st, err := s.load()
	if err != nil {
		return err
	}
	changed, err := f(st)
	if err != nil {
		return err
	}
	if changed {
		return s.save(st)
	}
	return nil
}

// lock takes the store lock. Each call opens the lock file anew: flock
// locks belong to an open file, so goroutines of one process exclude each
// other as separate processes do (one shared flock.Flock would let a
// second goroutine in).
func (s *Store) lock(ctx context.Context) (func(), error) {
	l := flock.New(s.lockF)
	if _, err := l.TryLockContext(ctx, 20*time.Millisecond); err != nil {
		return nil, fmt.Errorf("lock image store: %w", err)
	}
	return func() { l.Unlock() }, nil
}

// ingest holds the shared ingest lock while blobs and layers that no image
// references yet are written, so a concurrent garbage collection leaves
// them alone.
func (s *Store) ingest(ctx context.Context) (func(), error) {
	l := flock.New(s.ingestF)
	if _, err := l.TryRLockContext(ctx, 20*time.Millisecond); err != nil {
		return nil, fmt.Errorf("lock image store: %w", err)
	}
	return func() { l.Unlock() }, nil
}

// commit records an image whose blobs and layers are all in place, and
// points tags (full names) at it.
func (s *Store) commit(ctx context.Context, rec record, repoDigest string, tags []string) (*Image, error) {
	for _, d := range []string{rec.ID, rec.Manifest} {
		if !s.hasBlob(d) {
			return nil, fmt.Errorf("record image %s: blob %s is missing", idindex.Short(rec.ID), d)
		}
	}
	now := time.Now().UTC()
	err := s.locked(ctx, func(st *state) (bool, error) {
		r, ok := st.Images[rec.ID]
		if !ok {
			r = &rec
			r.Added = now
			st.Images[rec.ID] = r
		} else {
			r.Manifest, r.ManifestMT, r.ManifestLen = rec.Manifest, rec.ManifestMT, rec.ManifestLen
			if rec.Size > 0 {
				r.Size = rec.Size
			}
		}
		if repoDigest != "" && !slices.Contains(r.RepoDigests, repoDigest) {
			r.RepoDigests = append(r.RepoDigests, repoDigest)
		}
		for _, t := range tags {
			st.Refs[t] = rec.ID
			r.LastTagTime = now
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, rec.ID)
}

func (s *Store) blobPath(digest string) string {
	h, err := v1.NewHash(digest)
	if err != nil {
		return filepath.Join(s.dir, "blobs", "invalid")
	}
	return filepath.Join(s.dir, "blobs", h.Algorithm, h.Hex)
}

func (s *Store) hasBlob(digest string) bool {
	fi, err := os.Stat(s.blobPath(digest))
	return err == nil && fi.Mode().IsRegular()
}

func (s *Store) readBlob(digest string) ([]byte, error) {
	b, err := os.ReadFile(s.blobPath(digest))
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", digest, err)
	}
	return b, nil
}

// Ingesting reports whether a pull, load or build is writing into the store
// now (it holds the ingest lock), so that its temporary blobs and layers are
// not leftovers.
func (s *Store) Ingesting() bool {
	l := flock.New(s.ingestF)
	ok, err := l.TryLock()
	if err != nil || !ok {
		return true
	}
	l.Unlock()
	return false
}
