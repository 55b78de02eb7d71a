package build

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/renameio/v2"
)

// LastBuild is the record of the most recent build that finished, kept as
// <CacheDir>/last-build.json: which image it made and, step by step,
// whether each came from the cache. Lessons check it (a `build: last`
// check) to see that a reordered Dockerfile really reuses its slow steps.
type LastBuild struct {
	ID         string    `json:"id"`
	Tags       []string  `json:"tags"`
	Started    time.Time `json:"started"`
	DurationMS int64     `json:"duration_ms"`
	Steps      []Step    `json:"steps"`
}

// Step is one numbered step of a build, as the progress output shows it:
// "[build 2/5] RUN make" is stage "build", instruction "RUN make".
type Step struct {
	Stage       string `json:"stage,omitempty"`
	Instruction string `json:"instruction"`
	Cached      bool   `json:"cached"`
	DurationMS  int64  `json:"duration_ms"`
}

// ErrNoLastBuild is returned by ReadLast when no build has finished yet.
var ErrNoLastBuild = errors.New("no build has finished yet")

const lastBuildFile = "last-build.json"

// ReadLast reads the record of the last build on the cache in cacheDir.
func ReadLast(cacheDir string) (*LastBuild, error) {
	data, err := os.ReadFile(filepath.Join(cacheDir, lastBuildFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoLastBuild
	}
	if err != nil {
		return nil, err
	}
	var l LastBuild
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("build record %s: %w", lastBuildFile, err)
	}
	return &l, nil
}

// writeLast records a finished build from its progress: every numbered
// step ("[2/3] COPY . ."), not the internal ones or the export.
func (r *run) writeLast(res *Result, started time.Time) error {
	l := LastBuild{ID: res.ID, Tags: res.Tags, Started: started, DurationMS: time.Since(started).Milliseconds()}
	for _, v := range r.p.vertices {
		label, instruction, ok := strings.Cut(v.name, "] ")
		if !ok || !strings.HasPrefix(label, "[") || label == "[internal" {
			continue
		}
		stage := ""
		if words := strings.Fields(label[1:]); len(words) == 2 {
			stage = words[0]
		}
		l.Steps = append(l.Steps, Step{Stage: stage, Instruction: instruction, Cached: v.fromCache, DurationMS: v.took.Milliseconds()})
	}
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return renameio.WriteFile(filepath.Join(r.b.CacheDir, lastBuildFile), data, 0o600)
}
