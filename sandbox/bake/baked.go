package bake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/google/renameio/v2"
)

// bakedFile records, in the work directory, the image each recipe last
// made: the image store keeps those images' blobs and layers (KeptManifests)
// after "docker rmi", so baking the same recipe again is a re-tag.
const bakedFile = "baked.json"

type baked struct {
	Label    string   `json:"label"`    // LabelRecipe of the image
	Manifest string   `json:"manifest"` // its manifest digest in the store
	Tags     []string `json:"tags"`
}

func readBaked(workDir string) (map[string]baked, error) {
	out := map[string]baked{}
	b, err := os.ReadFile(filepath.Join(workDir, bakedFile))
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &out); err != nil {
		// Only a cache: a damaged one is started again.
		return map[string]baked{}, nil
	}
	return out, nil
}

// KeptManifests lists the manifests of the images last baked into the
// state root whose work directory is workDir; the engine gives it to the
// image store's SetKeep.
func KeptManifests(workDir string) []string {
	all, err := readBaked(workDir)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(all))
	for _, b := range all {
		out = append(out, b.Manifest)
	}
	sort.Strings(out)
	return out
}

// remember records that r's image (label) now has manifest. The bake lock
// is held.
func (b *Baker) remember(ctx context.Context, r *Recipe, label string) error {
	md, err := b.Store.Manifest(ctx, r.Tags[0])
	if err != nil {
		return err
	}
	all, err := readBaked(b.WorkDir)
	if err != nil {
		return err
	}
	all[r.Name] = baked{Label: label, Manifest: md, Tags: r.Tags}
	data, err := json.MarshalIndent(all, "", "  ")
	if err != nil {
		return err
	}
	return renameio.WriteFile(filepath.Join(b.WorkDir, bakedFile), data, 0o644)
}

// restore brings back r's image from what its last bake left in the store,
// when that bake was of the current recipe. It reports false when there is
// nothing to bring back.
func (b *Baker) restore(ctx context.Context, r *Recipe, label string) (bool, error) {
	all, err := readBaked(b.WorkDir)
	if err != nil {
		return false, err
	}
	k, ok := all[r.Name]
	if !ok || k.Label != label {
		return false, nil
	}
	if err := b.Store.Restore(ctx, k.Manifest, r.Tags); err != nil {
		if errors.Is(err, ErrGone) {
			return false, nil
		}
		return false, fmt.Errorf("restore %s: %w", r.Name, err)
	}
	return true, nil
}

// ErrGone is what Store.Restore returns (wrapped) when the kept image is
// no longer whole in the store.
var ErrGone = errors.New("kept image is gone")
