package image

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	imagetypes "github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/storage"

	"github.com/dockyard-lab/dockyard/sandbox/idindex"
)

// Inspect returns what `docker image inspect` shows for img, in the Docker
// Engine API's own type so the JSON has Docker's field names.
func (s *Store) Inspect(ctx context.Context, img *Image) (imagetypes.InspectResponse, error) {
	cf := img.Config
	out := imagetypes.InspectResponse{
		ID:           img.ID,
		RepoTags:     nonNil(img.RepoTags),
		RepoDigests:  nonNil(img.RepoDigests),
		Comment:      historyComment(img),
		Author:       cf.Author,
		Architecture: cf.Architecture,
		Variant:      cf.Variant,
		Os:           cf.OS,
		OsVersion:    cf.OSVersion,
		Size:         img.Size,
		RootFS:       imagetypes.RootFS{Type: "layers"},
		Metadata:     imagetypes.Metadata{LastTagTime: img.LastTagTime},
	}
	if !img.Created.IsZero() {
		out.Created = img.Created.UTC().Format(time.RFC3339Nano)
	}
	for _, d := range cf.RootFS.DiffIDs {
		out.RootFS.Layers = append(out.RootFS.Layers, d.String())
	}
	// v1.Config and Docker's image config share their JSON field names.
	b, err := json.Marshal(cf.Config)
	if err != nil {
		return out, fmt.Errorf("inspect %s: %w", idindex.Short(img.ID), err)
	}
	out.Config = &dockerspec.DockerOCIImageConfig{}
	if err := json.Unmarshal(b, out.Config); err != nil {
		return out, fmt.Errorf("inspect %s: %w", idindex.Short(img.ID), err)
	}
	if dirs, err := s.LayerDirs(ctx, img); err == nil && len(dirs) > 0 {
		data := map[string]string{"UpperDir": dirs[0]}
		if len(dirs) > 1 {
			data["LowerDir"] = strings.Join(dirs[1:], ":")
		}
		out.GraphDriver = &storage.DriverData{Name: "overlay", Data: data}
	}
	return out, nil
}

func historyComment(img *Image) string {
	h := img.Config.History
	if len(h) == 0 {
		return ""
	}
	return h[len(h)-1].Comment
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// HistoryItem is one line of `docker history`, newest first.
type HistoryItem struct {
	ID        string // the image id on the top line, "<missing>" below it, as Docker shows
	Created   time.Time
	CreatedBy string
	Size      int64
	Comment   string
	Tags      []string
}

// History returns img's build history, newest first, with each step's
// layer size (0 for steps that made no layer).
func (s *Store) History(ctx context.Context, img *Image) ([]HistoryItem, error) {
	diffIDs := img.Config.RootFS.DiffIDs
	hist := img.Config.History
	if len(hist) == 0 {
		// No recorded history: one line per layer, as Docker shows.
		hist = make([]v1.History, len(diffIDs))
	}
	var items []HistoryItem
	layer := 0
	for _, h := range hist {
		it := HistoryItem{ID: "<missing>", Created: h.Created.Time, CreatedBy: h.CreatedBy, Comment: h.Comment}
		if !h.EmptyLayer && layer < len(diffIDs) {
			if n, err := s.layerSize(diffIDs[layer]); err == nil {
				it.Size = n
			}
			layer++
		}
		items = append(items, it)
	}
	slices.Reverse(items)
	if len(items) > 0 {
		items[0].ID = img.ID
		items[0].Tags = img.RepoTags
	}
	return items, nil
}
