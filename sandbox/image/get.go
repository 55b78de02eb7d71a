package image

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dockyard-lab/dockyard/sandbox/idindex"
)

// Get finds an image by name ("busybox", "busybox:1.36",
// "busybox@sha256:..."), by id or by a short id prefix ("3f57d9"). A
// missing image is an error matching ErrNotFound; an ambiguous prefix an
// *idindex.AmbiguousError listing the candidates.
func (s *Store) Get(ctx context.Context, refOrID string) (*Image, error) {
	st, err := s.load()
	if err != nil {
		return nil, err
	}
	id, err := resolve(st, refOrID)
	if err != nil {
		return nil, err
	}
	return s.image(st, id)
}

// resolve turns a name or id (prefix) into an image id, the way Docker
// does: a full or "sha256:" id first, then a name, then an id prefix.
func resolve(st *state, refOrID string) (string, error) {
	ids := make([]string, 0, len(st.Images))
	for id := range st.Images {
		ids = append(ids, id)
	}
	if strings.HasPrefix(refOrID, "sha256:") {
		return findID(ids, refOrID)
	}
	ref, perr := ParseReference(refOrID)
	if perr == nil {
		if d := ref.Digest(); d != "" {
			want := ref.Name() + "@" + d
			for id, r := range st.Images {
				for _, rd := range r.RepoDigests {
					if rd == want {
						return id, nil
					}
				}
			}
		} else if id, ok := st.Refs[ref.String()]; ok {
			return id, nil
		}
	}
	if idindex.IsHexPrefix(refOrID) {
		id, err := idindex.Find(ids, refOrID)
		if err == nil || !errors.Is(err, idindex.ErrNotFound) {
			return id, err
		}
	}
	if perr != nil && !idindex.IsHexPrefix(refOrID) {
		return "", perr
	}
	name := refOrID
	if perr == nil {
		name = ref.Familiar()
	}
	return "", &NotFoundError{Ref: name}
}

func findID(ids []string, prefix string) (string, error) {
	id, err := idindex.Find(ids, prefix)
	if errors.Is(err, idindex.ErrNotFound) {
		return "", &NotFoundError{Ref: prefix}
	}
	return id, err
}

// List returns every image, newest first, as `docker images -a` shows them.
func (s *Store) List(ctx context.Context) ([]*Image, error) {
	s.sweepTempsIfIdle() // as a daemon's start-up would, after a crash
	st, err := s.load()
	if err != nil {
		return nil, err
	}
	imgs := make([]*Image, 0, len(st.Images))
	for id := range st.Images {
		img, err := s.image(st, id)
		if errors.Is(err, ErrDamaged) {
			continue // see Damaged
		}
		if err != nil {
			return nil, err
		}
		imgs = append(imgs, img)
	}
	sort.Slice(imgs, func(i, j int) bool {
		if !imgs[i].Created.Equal(imgs[j].Created) {
			return imgs[i].Created.After(imgs[j].Created)
		}
		return imgs[i].ID < imgs[j].ID
	})
	return imgs, nil
}

// Damaged returns the images whose manifest or config blob cannot be read
// (deleted or edited by hand), which List leaves out.
func (s *Store) Damaged(ctx context.Context) []*DamagedError {
	st, err := s.load()
	if err != nil {
		return nil
	}
	var out []*DamagedError
	for id := range st.Images {
		var d *DamagedError
		if _, err := s.image(st, id); errors.As(err, &d) {
			out = append(out, d)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// ErrDamaged matches a *DamagedError with errors.Is.
var ErrDamaged = errors.New("image is damaged")

// DamagedError is an image whose manifest or config blob cannot be read.
type DamagedError struct {
	ID    string
	Names []string // as Docker shows them
	What  string   // "manifest" or "config"
	Err   error
}

func (e *DamagedError) Error() string {
	name := idindex.Short(e.ID)
	ref := name
	if len(e.Names) > 0 {
		ref = e.Names[0]
		name = e.Names[0] + " (" + name + ")"
	}
	why := e.Err.Error()
	if errors.Is(e.Err, fs.ErrNotExist) {
		why = "its blob is missing"
	}
	return fmt.Sprintf("image %s is damaged: its %s cannot be read (%s); remove it with \"docker rmi %s\" and pull or load it again", name, e.What, why, ref)
}

func (e *DamagedError) Unwrap() error { return e.Err }

func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

func (s *Store) image(st *state, id string) (*Image, error) {
	r, ok := st.Images[id]
	if !ok {
		return nil, &NotFoundError{Ref: id}
	}
	img := &Image{ID: id, ManifestDigest: r.Manifest, Size: r.Size, LastTagTime: r.LastTagTime}
	for ref, rid := range st.Refs {
		if rid == id {
			img.RepoTags = append(img.RepoTags, familiarize(ref))
		}
	}
	sort.Strings(img.RepoTags)
	for _, rd := range r.RepoDigests {
		img.RepoDigests = append(img.RepoDigests, familiarize(rd))
	}
	damaged := func(what string, err error) error {
		return &DamagedError{ID: id, Names: img.RepoTags, What: what, Err: err}
	}
	mb, err := s.readBlob(r.Manifest)
	if err != nil {
		return nil, damaged("manifest", err)
	}
	img.Manifest = &v1.Manifest{}
	if err := json.Unmarshal(mb, img.Manifest); err != nil {
		return nil, damaged("manifest", err)
	}
	cb, err := s.readBlob(id)
	if err != nil {
		return nil, damaged("config", err)
	}
	img.Config = &v1.ConfigFile{}
	if err := json.Unmarshal(cb, img.Config); err != nil {
		return nil, damaged("config", err)
	}
	img.Created = img.Config.Created.Time
	return img, nil
}
