package guide

import (
	"fmt"
	"strings"

	"github.com/dockyard-lab/dockyard/lessons/screen"
)

// ShowProgress prints a table of the lessons with the steps done, then the
// steps of the current lesson.
func (g *Guide) ShowProgress() error {
	rows := [][]string{{g.T("progress.col.lesson"), g.T("progress.col.title"), g.T("progress.col.steps"), g.T("progress.col.state")}}
	for _, id := range g.Course.IDsIn(g.Lang) {
		l, err := g.outline(id)
		if err != nil {
			return err
		}
		done := g.doneCount(l)
		state := g.T("progress.state.new")
		switch {
		case done == len(l.Steps) && done > 0:
			state = g.T("progress.state.done")
		case g.lessonProgress(id) != nil:
			state = g.T("progress.state.started")
		}
		rows = append(rows, []string{g.mark(l) + " " + id, l.Title, fmt.Sprintf("%d/%d", done, len(l.Steps)), state})
	}
	g.writeTable(rows)
	fmt.Fprintln(g.Out)
	defer fmt.Fprintln(g.Out, "\n"+g.T("progress.file", g.Store.Path()))
	l, i, err := g.currentOutline()
	if err != nil {
		fmt.Fprintln(g.Out, g.T("progress.none"))
		return nil
	}
	fmt.Fprintln(g.Out, g.T("progress.current", l.Title, i+1, len(l.Steps)))
	lp := g.lessonProgress(l.ID)
	for n, st := range l.Steps {
		mark, note := "·", ""
		if lp.IsDone(st.ID) {
			mark, note = "✓", g.T("progress.step.done")
			if lp.Steps[st.ID].Solved {
				note = g.T("progress.step.solved")
			}
		}
		if n == i {
			note = strings.TrimSpace(note + " " + g.T("progress.step.current"))
		}
		line := fmt.Sprintf("  %s %d. %s", mark, n+1, st.Title)
		if note != "" {
			line += "  " + note
		}
		fmt.Fprintln(g.Out, line)
	}
	return nil
}

// writeTable prints rows in columns two spaces apart, the first row a
// header, measuring cells in terminal cells so that Korean text lines up
// and wrapping cells inside their columns when the table is wider than the
// terminal.
func (g *Guide) writeTable(rows [][]string) {
	for _, line := range screen.Table(rows, true, g.Width, g.Color) {
		fmt.Fprintln(g.Out, line)
	}
}
