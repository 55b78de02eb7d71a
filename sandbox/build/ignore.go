package build

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ignorer applies the context's .dockerignore.
type ignorer struct {
	pm *patternmatcher.PatternMatcher
}

func readIgnore(ctxDir string, p *progress) (*ignorer, error) {
	f, err := os.Open(filepath.Join(ctxDir, ".dockerignore"))
	if os.IsNotExist(err) {
		return &ignorer{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read .dockerignore: %w", err)
	}
	defer f.Close()
	v := p.vertex("[internal] load .dockerignore")
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		v.fail(err)
		return nil, fmt.Errorf("read .dockerignore: %w", err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		v.fail(err)
		return nil, fmt.Errorf(".dockerignore: %w", err)
	}
	v.done()
	return &ignorer{pm: pm}, nil
}

// excluded reports whether rel (slash-separated, relative to the context)
// is left out of the context.
func (i *ignorer) excluded(rel string) bool {
	if i == nil || i.pm == nil {
		return false
	}
	m, err := i.pm.MatchesOrParentMatches(rel)
	return err == nil && m
}
