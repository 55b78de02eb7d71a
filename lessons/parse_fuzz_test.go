package lessons

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/fstest"
	"time"
)

// fuzzSeeds adds every lesson file the project has, the course's and the
// broken ones lint is tested on, as seeds.
func fuzzSeeds(f *testing.F) {
	for _, pattern := range []string{"../content/lessons/*/lesson.*.md", "testdata/*/*/*/lesson.*.md", "testdata/*/*/lesson.*.md"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("---\nid: a\n---\n## S {#s}\n```check\ncontainer: x\n```\n"))
}

// FuzzParse feeds arbitrary Markdown to the lesson parser: it must return
// a lesson, place every problem at a line of the file, finish quickly, and
// find the same steps as the outline parser the menus use.
func FuzzParse(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		var l *Lesson
		var probs Problems
		within(t, 2*time.Second, func() { l, probs = Parse("x/lesson.en.md", src) })
		if l == nil {
			t.Fatal("Parse returned a nil lesson")
		}
		checkPlaced(t, probs, src)
		outline := ParseOutline("x/lesson.en.md", src)
		if got, want := stepIDs(outline), stepIDs(l); !slices.Equal(got, want) {
			t.Errorf("ParseOutline found steps %q, Parse %q", got, want)
		}
	})
}

// FuzzLint lints a course of one arbitrary lesson in two languages (the
// second a copy with its first byte changed, so parity checks run): every
// problem names a file of the course and a line in it.
func FuzzLint(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		ko := bytes.Clone(src)
		if len(ko) > 0 {
			ko[len(ko)-1] ^= 1
		}
		fsys := fstest.MapFS{
			"l/lesson.en.md": {Data: src},
			"l/lesson.ko.md": {Data: ko},
		}
		within(t, 5*time.Second, func() {
			c, err := Load(Source{FS: fsys, Name: "course"})
			if err != nil {
				return
			}
			probs := Lint(c, LintOptions{ValidateCheck: fakeValidator})
			for _, p := range probs {
				if p.File == "" || p.Line < 1 {
					t.Errorf("lint problem without file:line: %+v", p)
				}
			}
		})
	})
}

// checkPlaced fails on a problem without a file or outside src's lines.
func checkPlaced(t *testing.T, probs Problems, src []byte) {
	t.Helper()
	lines := bytes.Count(src, []byte("\n")) + 1
	for _, p := range probs {
		if p.File == "" || p.Line < 1 || p.Line > lines+1 {
			t.Errorf("problem %q at %s:%d, want a line in 1..%d", p.Message, p.File, p.Line, lines)
		}
	}
}

func stepIDs(l *Lesson) []string {
	var ids []string
	for _, st := range l.Steps {
		ids = append(ids, st.ID)
	}
	return ids
}

// within runs fn and fails if it has not returned after d: a parser must
// never hang on its input.
func within(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("did not return within %v", d)
	}
}
