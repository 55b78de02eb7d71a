package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/renameio/v2"

	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// state is a stage's image so far: a base image from the store, the layers
// this build added (kept in the build cache), and the config.
type state struct {
	baseID string   // "" for scratch
	base   v1.Image // empty.Image for scratch
	layers []string // diff ids of added layers, oldest first
	cfg    *v1.ConfigFile
	// key identifies everything that made this state; a step's cache key
	// is derived from it.
	key  string
	args *env // the stage's ARGs with their values
	// cmdSet is whether this stage set CMD (ENTRYPOINT resets an
	// inherited one).
	cmdSet bool
}

func (s *state) clone() *state {
	c := *s
	c.layers = append([]string(nil), s.layers...)
	c.cfg = s.cfg.DeepCopy()
	c.args = newEnv()
	c.cmdSet = false
	return &c
}

// record is a cached step: the state it led to.
type record struct {
	Layers []string       `json:"layers"`
	Config *v1.ConfigFile `json:"config"`
}

func hashKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:%s\x00", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (b *Builder) layerDir(diffID string) string {
	return filepath.Join(b.CacheDir, "layers", strings.TrimPrefix(diffID, "sha256:"))
}

func (b *Builder) layerFile(diffID string) string { return b.layerDir(diffID) + ".tar.gz" }

func (b *Builder) layerMeta(diffID string) string { return b.layerDir(diffID) + ".json" }

// cachedLayer returns a cached layer with its recorded digests.
func (b *Builder) cachedLayer(diffID string) (*FileLayer, error) {
	data, err := os.ReadFile(b.layerMeta(diffID))
	if err != nil {
		return nil, err
	}
	var l FileLayer
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("layer record %s: %w", diffID, err)
	}
	l.Path, l.Dir = b.layerFile(diffID), b.layerDir(diffID)
	return &l, nil
}

// lookup returns the cached state for key, if its layers are all still there.
func (b *Builder) lookup(key string) (*record, bool) {
	data, err := os.ReadFile(filepath.Join(b.CacheDir, "steps", key+".json"))
	if err != nil {
		return nil, false
	}
	var rec record
	if json.Unmarshal(data, &rec) != nil || rec.Config == nil {
		return nil, false
	}
	for _, l := range rec.Layers {
		if _, err := os.Stat(b.layerMeta(l)); err != nil {
			return nil, false
		}
		if _, err := os.Stat(b.layerFile(l)); err != nil {
			return nil, false
		}
		if _, err := os.Stat(b.layerDir(l)); err != nil {
			return nil, false
		}
	}
	return &rec, true
}

func (b *Builder) remember(key string, st *state) error {
	data, err := json.Marshal(record{Layers: st.layers, Config: st.cfg})
	if err != nil {
		return err
	}
	return renameio.WriteFile(filepath.Join(b.CacheDir, "steps", key+".json"), data, 0o600)
}

// lowerDirs are the state's layers as overlayfs lower dirs, topmost first.
func (r *run) lowerDirs(ctx context.Context, st *state) ([]string, error) {
	var dirs []string
	for i := len(st.layers) - 1; i >= 0; i-- {
		dirs = append(dirs, r.b.layerDir(st.layers[i]))
	}
	if st.baseID != "" {
		base, err := r.b.Images.LayerDirs(ctx, st.baseID)
		if err != nil {
			return nil, err
		}
		dirs = append(dirs, base...)
	}
	return dirs, nil
}

// image composes the state as a v1.Image.
func (r *run) image(st *state) (v1.Image, error) {
	img := st.base
	for _, d := range st.layers {
		l, err := r.b.cachedLayer(d)
		if err != nil {
			return nil, fmt.Errorf("cached layer %s: %w", d, err)
		}
		img, err = mutate.AppendLayers(img, l)
		if err != nil {
			return nil, err
		}
	}
	appended, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cfg := st.cfg.DeepCopy()
	cfg.RootFS = appended.RootFS
	if len(cfg.RootFS.DiffIDs) == 0 {
		cfg.RootFS.Type = "layers"
	}
	return mutate.ConfigFile(img, cfg)
}

func goarch() string { return runtime.GOARCH }

// normalize turns "debian" into docker.io/library/debian:latest.
func normalize(ref string) string {
	r, err := image.ParseNormalized(ref)
	if err != nil {
		return ref
	}
	return r.WithDefaultTag().String()
}

// historyTime is the moment of the newest history entry, so that an
// unchanged rebuild makes an image with the same id.
func historyTime(cfg *v1.ConfigFile) time.Time {
	var t time.Time
	for _, h := range cfg.History {
		if h.Created.After(t) {
			t = h.Created.Time
		}
	}
	return t
}
