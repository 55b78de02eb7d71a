package guide

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/glamour"
	"github.com/muesli/termenv"

	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/progress"
)

// Render turns Markdown into terminal text with glamour: styled (the
// "dark" style, 256 colours) when color is on, else glamour's plain
// "notty" style, wrapped at width.
func Render(md string, color bool, width int) (string, error) {
	opts := []glamour.TermRendererOption{glamour.WithWordWrap(width)}
	if color {
		opts = append(opts, glamour.WithStandardStyle("dark"), glamour.WithColorProfile(termenv.ANSI256))
	} else {
		opts = append(opts, glamour.WithStandardStyle("notty"))
	}
	r, err := glamour.NewTermRenderer(opts...)
	if err != nil {
		return "", fmt.Errorf("markdown renderer: %w", err)
	}
	out, err := r.Render(md)
	if err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	if !color {
		// glamour pads every line to the width; plain output is for
		// pipes and logs, where trailing blanks are noise.
		lines := strings.Split(out, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimRight(l, " ")
		}
		out = strings.Join(lines, "\n")
	}
	return out, nil
}

// print renders md to Out.
func (g *Guide) print(md string) error {
	out, err := Render(md, g.Color, g.Width)
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(g.Out, out)
	return err
}

// StepMarkdown is the Markdown of one step's screen: where the student is,
// the step's text, its questions, the hints revealed so far and what to do
// next. withIntro adds the lesson's title, summary and introduction before
// the first step.
func (g *Guide) StepMarkdown(l *lessons.Lesson, i int, withIntro bool) string {
	st := l.Steps[i]
	lp := g.lessonProgress(l.ID)
	var sp progress.Step
	if lp != nil && lp.Steps[st.ID] != nil {
		sp = *lp.Steps[st.ID]
	}
	var b strings.Builder
	if withIntro {
		fmt.Fprintf(&b, "# %s\n\n*%s* · %s\n\n", l.Title, l.Summary, g.T("lesson.minutes", l.Minutes))
		if l.Intro != "" {
			fmt.Fprintf(&b, "%s\n", l.Intro)
		}
		b.WriteString("---\n\n")
	}
	mark := ""
	if sp.Done {
		mark = " ✓"
	}
	fmt.Fprintf(&b, "## %s · %s%s\n\n", g.T("step.position", i+1, len(l.Steps)), st.Title, mark)
	if st.Body != "" {
		fmt.Fprintf(&b, "%s\n", st.Body)
	}
	for qi, q := range st.Quizzes {
		b.WriteString(g.quizMarkdown(qi, q, lp))
	}
	for h := 0; h < min(sp.Hints, len(st.Hints)); h++ {
		fmt.Fprintf(&b, "> **%s**\n>\n%s\n\n", g.T("hint.title", h+1, len(st.Hints)), quote(st.Hints[h]))
	}
	b.WriteString("---\n\n")
	b.WriteString(g.nextMarkdown(st, sp))
	return b.String()
}

func (g *Guide) quizMarkdown(qi int, q *lessons.Quiz, lp *progress.Lesson) string {
	var b strings.Builder
	kind := g.T("quiz.single")
	if q.Multiple() {
		kind = g.T("quiz.multiple")
	}
	fmt.Fprintf(&b, "**%s %d.** %s *(%s)*\n\n", g.T("quiz.title"), qi+1, q.Question, kind)
	for ci, c := range q.Choices {
		fmt.Fprintf(&b, "%d. %s\n", ci+1, c)
	}
	b.WriteString("\n")
	if lp != nil {
		if given, ok := lp.Answers[q.ID]; ok {
			fmt.Fprintf(&b, "%s\n\n", g.T("quiz.answered", joinInts(given)))
		}
	}
	if g.Stdio == nil {
		fmt.Fprintf(&b, "%s\n\n", g.T("quiz.how", q.ID))
	} else {
		fmt.Fprintf(&b, "%s\n\n", g.T("quiz.at-check", q.ID))
	}
	return b.String()
}

// nextMarkdown tells the student what to do next.
func (g *Guide) nextMarkdown(st *lessons.Step, sp progress.Step) string {
	var lines []string
	if sp.Done {
		lines = append(lines, g.T("next.done"))
	} else {
		lines = append(lines, g.T("next.check"))
	}
	if left := len(st.Hints) - sp.Hints; left > 0 {
		lines = append(lines, g.T("next.hint", left))
	}
	lines = append(lines, g.T("next.move"))
	return "- " + strings.Join(lines, "\n- ") + "\n"
}

// quote prefixes every line of md with "> ".
func quote(md string) string {
	lines := strings.Split(strings.TrimRight(md, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight("> "+l, " ")
	}
	return strings.Join(lines, "\n")
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
