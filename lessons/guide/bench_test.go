package guide

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/dockyard-lab/dockyard/content"
	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/progress"
	"github.com/dockyard-lab/dockyard/lessons/screen"
)

// BenchmarkProgress is the work of `dockyard progress` after start-up:
// load the built-in course, read the progress, print the table (every
// lesson outlined in one language), for a student who has not started and
// for one in the middle of the longest lesson.
func BenchmarkProgress(b *testing.B) {
	b.Run("new", func(b *testing.B) { benchmarkProgress(b, "") })
	b.Run("started", func(b *testing.B) {
		benchmarkProgress(b, `{"version": 1, "current": "postgres", "lessons": {"postgres": {"current": "run"}}}`)
	})
}

func benchmarkProgress(b *testing.B, state string) {
	prog := filepath.Join(b.TempDir(), "progress.json")
	if state != "" {
		if err := os.WriteFile(prog, []byte(state), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		c, err := lessons.Load(lessons.Source{FS: content.Lessons(), Name: "content/lessons"})
		if err != nil {
			b.Fatal(err)
		}
		g, err := New(Options{Course: c, Store: progress.Open(prog, progress.NoOwner), Lang: "ko", Out: io.Discard, ErrOut: io.Discard})
		if err != nil {
			b.Fatal(err)
		}
		if err := g.ShowProgress(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderStep renders one step of a real lesson, styled.
func BenchmarkRenderStep(b *testing.B) {
	c, err := lessons.Load(lessons.Source{FS: content.Lessons(), Name: "content/lessons"})
	if err != nil {
		b.Fatal(err)
	}
	l, err := c.Lesson("containers", "ko")
	if err != nil {
		b.Fatal(err)
	}
	g, err := New(Options{Course: c, Store: progress.Open(filepath.Join(b.TempDir(), "p.json"), progress.NoOwner), Lang: "ko", Out: io.Discard, ErrOut: io.Discard, Color: true})
	if err != nil {
		b.Fatal(err)
	}
	md := g.StepMarkdown(l, 0, true)
	for b.Loop() {
		screen.Render(md, screen.Options{Width: 80, Color: true})
	}
}
