package guide

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/content"
	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/lessons/progress"
	"github.com/dockyard-lab/dockyard/lessons/screen"
)

// TestRenderBuiltinLessons renders every step of every built-in lesson in
// both languages, plain and styled, at 80 and 140 columns, as a student
// would see them: no meaningful block may leak into the text, every line of
// a code block is shown whole on one line, no plain line is wider than the
// reading width unless it is a code line or a single word, and no inline
// code keeps its backticks.
func TestRenderBuiltinLessons(t *testing.T) {
	c, err := lessons.Load(lessons.Source{FS: content.Lessons(), Name: "content/lessons"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range c.IDs() {
		for lang, l := range c.Files(id) {
			g := &Guide{Options: Options{Course: c, Lang: lang, Width: 80}, t: i18n.For(lang), p: progress.New()}
			for i, st := range l.Steps {
				md := g.StepMarkdown(l, i, i == 0)
				for _, leak := range []string{"```check", "```solution", "```cleanup", "```setup", "```quiz", "```hint"} {
					if strings.Contains(md, leak) {
						t.Errorf("%s step %q shows a %s block", l.File, st.ID, leak)
					}
				}
				for _, width := range []int{80, 140} {
					if out := screen.Render(md, screen.Options{Width: width, Color: true}); strings.TrimSpace(out) == "" {
						t.Errorf("Render(%s step %q, color) is empty", l.File, st.ID)
					}
					checkScreen(t, fmt.Sprintf("%s step %q at %d columns", l.File, st.ID, width), md,
						screen.Render(md, screen.Options{Width: width}), screen.ProseWidth(width), width)
				}
			}
		}
	}
}

// checkScreen checks plain rendered text against the Markdown it came from.
// Prose keeps to limit, the reading width; a table may use the terminal's
// whole width (its lines are its rule or hold one of its cells).
func checkScreen(t *testing.T, what, md, out string, limit, width int) {
	t.Helper()
	code := map[string]bool{}
	cells := map[string]bool{}
	inFence := false
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "```") {
			inFence = !inFence
			continue
		}
		if inFence && strings.TrimSpace(l) != "" {
			code[strings.TrimSpace(l)] = true
		}
		if !inFence && strings.HasPrefix(strings.TrimSpace(l), "|") {
			for _, c := range strings.Split(strings.Trim(strings.TrimSpace(l), "|"), "|") {
				if c = strings.Trim(strings.TrimSpace(c), "`"); c != "" {
					cells[c] = true
				}
			}
		}
	}
	tableLine := func(l string) bool {
		if strings.Contains(l, "──") {
			return true
		}
		for _, chunk := range strings.Split(strings.TrimSpace(l), "  ") {
			if cells[strings.TrimSpace(chunk)] {
				return true
			}
		}
		return false
	}
	shown := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(l)
		shown[trimmed] = true
		if code[trimmed] {
			continue
		}
		if strings.Contains(l, "`") {
			t.Errorf("%s: a line keeps backticks: %q", what, l)
		}
		max := limit
		if tableLine(l) {
			max = width
		}
		if w := screen.Width(l); w > max && strings.Contains(trimmed, " ") {
			t.Errorf("%s: a line of %d columns is wider than %d: %q", what, w, max, l)
		}
	}
	for c := range code {
		if !shown[c] {
			t.Errorf("%s: code line %q is not shown whole on one line", what, c)
		}
	}
}

// TestProgressBuiltin: `dockyard progress` over the built-in course, in
// both languages, for a student who has not started and for one who has
// finished one lesson and is in the middle of another (one step solved),
// plain and in colour. What the table reads (titles, step counts, the
// current lesson's steps) comes from the lessons' outlines, which skip most
// of a lesson's text: the golden files hold it to what the full parse shows.
func TestProgressBuiltin(t *testing.T) {
	c, err := lessons.Load(lessons.Source{FS: content.Lessons(), Name: "content/lessons"})
	if err != nil {
		t.Fatal(err)
	}
	started := `{"version": 1, "current": "networks", "lessons": {
		"intro": {"current": "recap", "steps": {` + allDone(t, c, "intro") + `}},
		"networks": {"current": "create-network", "steps": {"default-bridge": {"done": true}, "create-network": {"done": true, "solved": true}}}}}`
	for _, state := range []string{"new", "started"} {
		for _, lang := range []string{"en", "ko"} {
			for _, color := range []bool{false, true} {
				name := fmt.Sprintf("progress.%s.%s.%s.golden", state, lang, map[bool]string{false: "plain", true: "color"}[color])
				t.Run(name, func(t *testing.T) {
					prog := filepath.Join(t.TempDir(), "progress.json")
					if state == "started" {
						if err := os.WriteFile(prog, []byte(started), 0o644); err != nil {
							t.Fatal(err)
						}
					}
					var out strings.Builder
					g, err := New(Options{Course: c, Store: progress.Open(prog, progress.NoOwner), Lang: lang, Out: &out, ErrOut: io.Discard, Color: color, Width: 80})
					if err != nil {
						t.Fatal(err)
					}
					if err := g.ShowProgress(); err != nil {
						t.Fatal(err)
					}
					golden(t, filepath.Join("testdata", name), strings.ReplaceAll(out.String(), prog, "<progress>"))
				})
			}
		}
	}
}

// allDone is the JSON of every step of lesson id done.
func allDone(t *testing.T, c *lessons.Course, id string) string {
	t.Helper()
	l, err := c.Lesson(id, "en")
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, st := range l.Steps {
		steps = append(steps, fmt.Sprintf("%q: {\"done\": true}", st.ID))
	}
	return strings.Join(steps, ", ")
}
