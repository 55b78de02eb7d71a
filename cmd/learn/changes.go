package learn

import (
	"os"
	"path/filepath"
	"time"
)

// changes tells watch mode when to check early: it remembers the
// modification times of the engine's state folders (a container created or
// removed changes its store's folder), of the student's folder and of the
// progress file, and reports whether any moved since the last call.
type changes struct {
	paths []string
	last  map[string]time.Time
}

func newChanges(stateRoot, dir, progressFile string) *changes {
	c := &changes{last: map[string]time.Time{}}
	for _, sub := range []string{"containers", "images", "networks", "volumes"} {
		c.paths = append(c.paths, filepath.Join(stateRoot, sub))
	}
	c.paths = append(c.paths, dir, progressFile)
	c.Changed()
	return c
}

// Changed implements guide.Options.Changed.
func (c *changes) Changed() bool {
	changed := false
	for _, p := range c.paths {
		var mt time.Time
		if info, err := os.Stat(p); err == nil {
			mt = info.ModTime()
		}
		if !mt.Equal(c.last[p]) {
			changed = true
			c.last[p] = mt
		}
	}
	return changed
}
