package lessons

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseSample(t *testing.T) {
	src, err := os.ReadFile("testdata/course/sample/lesson.en.md")
	if err != nil {
		t.Fatal(err)
	}
	l, probs := Parse("sample/lesson.en.md", src)
	if len(probs) != 0 {
		t.Fatalf("Parse() problems = %v, want none", probs)
	}
	want := Meta{ID: "sample", Title: "A sample lesson", Summary: "Two short steps that need no container engine.",
		Order: 1, Minutes: 2, Requires: Requires{Lessons: []string{}, Images: []string{}}}
	if !reflect.DeepEqual(l.Meta, want) {
		t.Errorf("Meta = %+v, want %+v", l.Meta, want)
	}
	if l.Lang != "en" {
		t.Errorf("Lang = %q, want en", l.Lang)
	}
	wantIntro := "This lesson shows how Dockyard guides you: read a step, do it in your\nshell, then let `dockyard check` look at what you did.\n"
	if l.Intro != wantIntro {
		t.Errorf("Intro = %q, want %q", l.Intro, wantIntro)
	}
	if len(l.Steps) != 2 {
		t.Fatalf("len(Steps) = %d, want 2", len(l.Steps))
	}
	s := l.Steps[0]
	checks := []struct {
		name      string
		got, want any
	}{
		{"ID", s.ID, "write-file"},
		{"Title", s.Title, "Write a file"},
		{"Line", s.Line, 15},
		{"Body", s.Body, "Create a file called `hello.txt` in the current folder that says `hello`.\n\n```sh\necho hello > hello.txt\n```\n"},
		{"Hints", s.Hints, []string{"`echo hello` prints the word; `>` sends it into a file.", "Run exactly: `echo hello > hello.txt`"}},
		{"Checks", s.Checks, []CheckBlock{{Source: "command: grep -qx hello hello.txt\ntimeout: 1s\nhint: The file hello.txt must hold the single line \"hello\".\n", File: "sample/lesson.en.md", Line: 31}}},
		{"Solution", s.Solution, Script{Source: "echo hello > hello.txt\n", Line: 38}},
		{"Cleanup", s.Cleanup, Script{Source: "rm -f hello.txt\n", Line: 42}},
		{"Setup", s.Setup, Script{}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("Steps[0].%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
	q := l.Steps[1].Quizzes
	wantQ := []*Quiz{{ID: "sample-redirect", Question: "What does `>` do in `echo hello > hello.txt`?",
		Choices:     []string{"It compares two values.", "It sends the command's output into a file.", "It runs the command in the background."},
		Answer:      Answer{Choices: []int{2}},
		Explanation: "`>` writes the command's output into a file instead of the screen: hello went into `hello.txt`.",
		Line:        50}}
	if !reflect.DeepEqual(q, wantQ) {
		t.Errorf("Steps[1].Quizzes = %+v, want %+v", q[0], wantQ[0])
	}
}

// TestParsePlainFence: fenced blocks with and without an info string are
// kept in the body as written.
func TestParsePlainFence(t *testing.T) {
	src := "---\nid: x\n---\n\n## S {#s}\n\nOutput:\n\n```\nhello\n```\n\n~~~~\nworld\n~~~~\n\n```sh\nls\n```\n"
	l, _ := Parse("x/lesson.en.md", []byte(src))
	want := "Output:\n\n```\nhello\n```\n\n~~~~\nworld\n~~~~\n\n```sh\nls\n```\n"
	if got := l.Steps[0].Body; got != want {
		t.Errorf("Body = %q, want %q", got, want)
	}
}

// TestOutlineMatchesParse: the outline finds the same steps as the full
// parse, for the sample and every built-in lesson file.
func TestOutlineMatchesParse(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*/lesson.*.md")
	builtin, _ := filepath.Glob("../content/lessons/*/lesson.*.md")
	for _, f := range append(files, builtin...) {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		full, _ := Parse(f, src)
		out := ParseOutline(f, src)
		if !reflect.DeepEqual(full.Meta, out.Meta) || len(full.Steps) != len(out.Steps) {
			t.Errorf("%s: outline %+v with %d steps, parse %+v with %d", f, out.Meta, len(out.Steps), full.Meta, len(full.Steps))
			continue
		}
		for i := range full.Steps {
			if a, b := full.Steps[i], out.Steps[i]; a.ID != b.ID || a.Title != b.Title || a.Line != b.Line {
				t.Errorf("%s: step %d: outline %q %q %d, parse %q %q %d", f, i, b.ID, b.Title, b.Line, a.ID, a.Title, a.Line)
			}
		}
	}
}

// stepLines are steps as "id \"title\" line", to compare an outline with a
// full parse.
func stepLines(steps []*Step) []string {
	var lines []string
	for _, s := range steps {
		lines = append(lines, fmt.Sprintf("%s %q %d", s.ID, s.Title, s.Line))
	}
	return lines
}

// TestOutlineSkipsFences: `##` lines inside fenced blocks are not steps,
// in the outline as in the full parse.
func TestOutlineSkipsFences(t *testing.T) {
	src := "---\nid: x\n---\n\n## One {#one}\n\n```sh\n## not a step\n```\n\n~~~~\n## nor this\n```\n~~~~\n\n##not a heading\n\n  ## Two {#two .x}\n"
	full, _ := Parse("x/lesson.en.md", []byte(src))
	out := ParseOutline("x/lesson.en.md", []byte(src))
	got, want := stepLines(out.Steps), stepLines(full.Steps)
	if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != 2 {
		t.Errorf("outline steps = %q, want %q (two)", got, want)
	}
}

// TestOutlineHTML: a "##" line inside an HTML block is no step, in the
// outline as in the full parse; a line that only starts with "<" (a path
// placeholder) keeps the outline's line scan.
func TestOutlineHTML(t *testing.T) {
	for _, body := range []string{
		"<div>\n## not a step\n</div>\n\n## One {#one}\n",
		"<!-- note\n## not a step\n-->\n\n## One {#one}\n",
		"<a href=\"x\">\n## not a step\n\n## One {#one}\n",
		"</ div>\n## not a step\n\n## One {#one}\n",
		"<?x\n## not a step\n?>\n\n## One {#one}\n",
		"<SCRIPT>\n\n## not a step\n</script>\n\n## One {#one}\n",
		"Run it with\n  <folder>:/data as the volume.\n\n## One {#one}\n",
		"<3 and <em>so</em> on\n\n## One {#one}\n",
	} {
		src := "---\nid: x\n---\n\n" + body
		full, _ := Parse("x/lesson.en.md", []byte(src))
		out := ParseOutline("x/lesson.en.md", []byte(src))
		got, want := stepLines(out.Steps), stepLines(full.Steps)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("ParseOutline(%q) steps = %v, want %v (Parse's)", body, got, want)
		}
	}
	body := "Run it with\n  <folder>:/data as the volume.\n\n## One {#one}\n"
	if l := (&Lesson{}); !outlineSteps([]byte(body), 0, l) {
		t.Errorf("outlineSteps(%q) gave up, want the line scan to read it", body)
	}
}
