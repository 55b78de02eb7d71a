package image

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gofrs/flock"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dockyard-lab/dockyard/sandbox/idindex"
)

// Tag points target (a name, normalised; "busybox" means busybox:latest)
// at the image source names.
func (s *Store) Tag(ctx context.Context, source, target string) error {
	ref, err := ParseReference(target)
	if err != nil {
		return err
	}
	if ref.Digest() != "" {
		return fmt.Errorf("refusing to create a tag with a digest reference: %s", target)
	}
	return s.locked(ctx, func(st *state) (bool, error) {
		id, err := resolve(st, source)
		if err != nil {
			return false, err
		}
		st.Refs[ref.String()] = id
		st.Images[id].LastTagTime = time.Now().UTC()
		return true, nil
	})
}

// RemoveOptions are `docker rmi`'s flags.
type RemoveOptions struct {
	Force   bool // remove an image with several names; untag one used by a container
	NoPrune bool // keep blobs no image references any more
}

// Removed is one line of `docker rmi`'s report: an untagged name or a
// deleted image id.
type Removed struct {
	Untagged string `json:"Untagged,omitempty"`
	Deleted  string `json:"Deleted,omitempty"`
}

// ConflictError is Docker's refusal to remove an image that is in use or
// has several names.
type ConflictError struct{ Msg string }

func (e *ConflictError) Error() string { return "conflict: " + e.Msg }

// Remove removes a name or an image, as `docker rmi` does: a name of an
// image with other names is only untagged; the last name, or the image id,
// deletes the image (an id naming an image with several names needs
// Force). An image a container uses is refused, or with Force only
// untagged. Blobs and unpacked layers no image references any more are
// then deleted.
func (s *Store) Remove(ctx context.Context, refOrID string, opts RemoveOptions) ([]Removed, error) {
	var out []Removed
	deleted := false
	err := s.locked(ctx, func(st *state) (bool, error) {
		id, err := resolve(st, refOrID)
		if err != nil {
			return false, err
		}
		rec := st.Images[id]
		var tags []string
		for r, rid := range st.Refs {
			if rid == id {
				tags = append(tags, r)
			}
		}
		sort.Strings(tags)
		byName := ""
		if ref, err := ParseReference(refOrID); err == nil && !strings.HasPrefix(refOrID, "sha256:") {
			if ref.Digest() == "" && st.Refs[ref.String()] == id {
				byName = ref.String()
			} else if ref.Digest() != "" {
				byName = ref.Name() + "@" + ref.Digest()
			}
		}
		users := s.usedBy(id)
		short := idindex.Short(id)

		if byName != "" && len(tags) > 1 && !strings.Contains(byName, "@") {
			// Another name keeps the image. As moby does, the last tag
			// of a repository takes that repository's digests with it:
			// a docker tag back to that name does not look pulled.
			delete(st.Refs, byName)
			out = append(out, Removed{Untagged: familiarize(byName)})
			out = append(out, dropDigests(st, rec, byName)...)
			return true, nil
		}
		if strings.Contains(byName, "@") && len(tags) > 0 {
			// A digest of an image that keeps its tags: only that name goes.
			rec.RepoDigests = slices.DeleteFunc(rec.RepoDigests, func(rd string) bool { return rd == byName })
			out = append(out, Removed{Untagged: familiarize(byName)})
			return true, nil
		}
		// By id, in moby's order (daemon/images/image_delete.go): several
		// names first, then a running container (even forced), then a
		// stopped one.
		if byName == "" && len(tags) > 1 && !opts.Force {
			return false, &ConflictError{fmt.Sprintf("unable to delete %s (must be forced) - image is referenced in multiple repositories", short)}
		}
		if len(users) > 0 {
			if byName == "" {
				for _, u := range users {
					if u.Running {
						return false, &ConflictError{fmt.Sprintf("unable to delete %s (cannot be forced) - image is being used by running container %s", short, idindex.Short(u.ID))}
					}
				}
			}
			if !opts.Force {
				if byName != "" {
					return false, &ConflictError{fmt.Sprintf("unable to remove repository reference %q (must force) - container %s is using its referenced image %s", familiarize(byName), idindex.Short(users[0].ID), short)}
				}
				return false, &ConflictError{fmt.Sprintf("unable to delete %s (must be forced) - image is being used by stopped container %s", short, idindex.Short(users[0].ID))}
			}
			// Forced: the names go, the image stays for its containers.
			for _, t := range tags {
				delete(st.Refs, t)
				out = append(out, Removed{Untagged: familiarize(t)})
			}
			return len(tags) > 0, nil
		}
		for _, t := range tags {
			delete(st.Refs, t)
			out = append(out, Removed{Untagged: familiarize(t)})
		}
		for _, rd := range rec.RepoDigests {
			out = append(out, Removed{Untagged: familiarize(rd)})
		}
		delete(st.Images, id)
		out = append(out, Removed{Deleted: id})
		deleted = true
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if deleted && !opts.NoPrune {
		if _, err := s.GC(ctx); err != nil {
			return out, err
		}
	}
	return out, nil
}

// dropDigests removes rec's digests in the repository of the tag just
// removed when no other tag of that repository names the image (moby's
// daemon/images/image_delete.go), and returns them as untagged.
func dropDigests(st *state, rec *record, tag string) []Removed {
	ref, err := ParseReference(tag)
	if err != nil {
		return nil
	}
	for r, id := range st.Refs {
		if other, err := ParseReference(r); err == nil && id == rec.ID && other.Name() == ref.Name() {
			return nil
		}
	}
	var out []Removed
	rec.RepoDigests = slices.DeleteFunc(rec.RepoDigests, func(rd string) bool {
		d, err := ParseReference(rd)
		if err != nil || d.Name() != ref.Name() {
			return false
		}
		out = append(out, Removed{Untagged: familiarize(rd)})
		return true
	})
	return out
}

// PruneReport is what `docker image prune` prints.
type PruneReport struct {
	Removed        []Removed
	SpaceReclaimed int64
}

// Prune removes dangling images (no tag), or with all every image no
// container uses, then collects unreferenced blobs.
func (s *Store) Prune(ctx context.Context, all bool) (*PruneReport, error) {
	rep := &PruneReport{}
	err := s.locked(ctx, func(st *state) (bool, error) {
		tagged := map[string][]string{}
		for r, id := range st.Refs {
			tagged[id] = append(tagged[id], r)
		}
		changed := false
		for id, rec := range st.Images {
			if (!all && len(tagged[id]) > 0) || len(s.usedBy(id)) > 0 {
				continue
			}
			sort.Strings(tagged[id])
			for _, t := range tagged[id] {
				delete(st.Refs, t)
				rep.Removed = append(rep.Removed, Removed{Untagged: familiarize(t)})
			}
			for _, rd := range rec.RepoDigests {
				rep.Removed = append(rep.Removed, Removed{Untagged: familiarize(rd)})
			}
			delete(st.Images, id)
			rep.Removed = append(rep.Removed, Removed{Deleted: id})
			changed = true
		}
		return changed, nil
	})
	if err != nil {
		return nil, err
	}
	n, err := s.GC(ctx)
	rep.SpaceReclaimed = n
	return rep, err
}

// GC deletes blobs and unpacked layers that no image references, and
// leftovers of interrupted pulls, returning the bytes freed. It does
// nothing while a pull or write is under way (they hold the ingest lock),
// so their blobs are safe; the next GC collects what it skipped.
func (s *Store) GC(ctx context.Context) (int64, error) {
	il := flock.New(s.ingestF)
	ok, err := il.TryLock()
	if err != nil {
		return 0, fmt.Errorf("image gc: %w", err)
	}
	if !ok {
		return 0, nil
	}
	defer il.Unlock()
	unlock, err := s.lock(ctx)
	if err != nil {
		return 0, err
	}
	defer unlock()
	st, err := s.load()
	if err != nil {
		return 0, err
	}
	blobs := map[string]bool{}
	layers := map[string]bool{}
	for id, r := range st.Images {
		blobs[strings.TrimPrefix(id, "sha256:")] = true
		blobs[strings.TrimPrefix(r.Manifest, "sha256:")] = true
		img, err := s.image(st, id)
		if errors.Is(err, ErrDamaged) {
			// Its layers cannot be known: keep everything rather than
			// guess, and do not fail the docker rmi that asked.
			return 0, nil
		}
		if err != nil {
			return 0, fmt.Errorf("image gc: %w", err)
		}
		for _, l := range img.Manifest.Layers {
			blobs[l.Digest.Hex] = true
		}
		for _, d := range img.Config.RootFS.DiffIDs {
			layers[d.Hex] = true
		}
	}
	s.kept(blobs, layers)
	var freed int64
	blobDir := filepath.Join(s.dir, "blobs", "sha256")
	ents, err := os.ReadDir(blobDir)
	if err != nil {
		return 0, fmt.Errorf("image gc: %w", err)
	}
	for _, e := range ents {
		if blobs[e.Name()] {
			continue
		}
		if fi, err := e.Info(); err == nil {
			freed += fi.Size()
		}
		if err := os.Remove(filepath.Join(blobDir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return freed, fmt.Errorf("image gc: %w", err)
		}
	}
	layerDir := filepath.Join(s.dir, "layers")
	ents, err = os.ReadDir(layerDir)
	if err != nil {
		return freed, fmt.Errorf("image gc: %w", err)
	}
	for _, e := range ents {
		name := strings.TrimSuffix(e.Name(), ".size")
		if layers[name] {
			continue
		}
		if !e.IsDir() {
			os.Remove(filepath.Join(layerDir, e.Name()))
			continue
		}
		if n, err := s.layerSize(v1.Hash{Algorithm: "sha256", Hex: name}); err == nil {
			freed += n
		}
		if err := os.RemoveAll(filepath.Join(layerDir, e.Name())); err != nil {
			return freed, fmt.Errorf("image gc: %w", err)
		}
	}
	tmp := filepath.Join(s.dir, "tmp")
	if ents, err := os.ReadDir(tmp); err == nil {
		for _, e := range ents {
			os.RemoveAll(filepath.Join(tmp, e.Name()))
		}
	}
	return freed, nil
}
