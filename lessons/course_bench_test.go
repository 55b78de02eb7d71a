package lessons

import (
	"testing"

	"github.com/dockyard-lab/dockyard/content"
)

// BenchmarkLoadBuiltin loads and parses every built-in lesson file, as lint
// does.
func BenchmarkLoadBuiltin(b *testing.B) {
	for b.Loop() {
		c, err := Load(Source{FS: content.Lessons(), Name: "content/lessons"})
		if err != nil {
			b.Fatal(err)
		}
		c.Problems()
	}
}

// BenchmarkOneLesson is what `dockyard progress` and the loop pay per
// lesson: loading the course and parsing one lesson in one language.
func BenchmarkOneLesson(b *testing.B) {
	for b.Loop() {
		c, err := Load(Source{FS: content.Lessons(), Name: "content/lessons"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Lesson("postgres", "ko"); err != nil {
			b.Fatal(err)
		}
	}
}
