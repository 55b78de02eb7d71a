package guide

import (
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/content"
	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/lessons/progress"
)

// TestRenderBuiltinLessons renders every step of every built-in lesson in
// both languages, plain and styled, as a student would see them: nothing
// may fail, and no meaningful block may leak into the text.
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
				for _, color := range []bool{false, true} {
					out, err := Render(md, color, 80)
					if err != nil || strings.TrimSpace(out) == "" {
						t.Errorf("Render(%s step %q, color %v) = %d bytes, %v", l.File, st.ID, color, len(out), err)
					}
				}
			}
		}
	}
}
