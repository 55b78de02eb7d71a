package guide

import (
	"fmt"
	"strings"

	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/progress"
	"github.com/dockyard-lab/dockyard/lessons/screen"
)

// print renders md for the terminal (package screen) to Out.
func (g *Guide) print(md string) error {
	_, err := fmt.Fprint(g.Out, screen.Render(md, screen.Options{Width: g.Width, Color: g.Color}))
	return err
}

// printWrapped prints plain text (a check's feedback) indented by indent
// columns and wrapped at the reading width, each line of it on its own.
func (g *Guide) printWrapped(text string, indent int) {
	pad := strings.Repeat(" ", indent)
	for _, line := range screen.Wrap(text, max(screen.ProseWidth(g.Width)-indent, 20)) {
		fmt.Fprintln(g.Out, strings.TrimRight(pad+line, " "))
	}
}

// inline renders one line of Markdown (a quiz question or choice in a
// menu) as plain text: code spans without their backticks. The menu
// styles its lines itself.
func inline(md string) string { return screen.Inline(md, false) }

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
		b.WriteString(g.quizMarkdown(qi, q, lp, st.QuizOnly()))
	}
	for h := 0; h < min(sp.Hints, len(st.Hints)); h++ {
		fmt.Fprintf(&b, "> **%s**\n>\n%s\n\n", g.T("hint.title", h+1, len(st.Hints)), quote(st.Hints[h]))
	}
	b.WriteString("---\n\n")
	b.WriteString(g.nextMarkdown(st, sp))
	return b.String()
}

// On a terminal, a step of questions only opens its menu right under them,
// so nothing is said about when the question is asked; a step with work
// says that check will ask it.
func (g *Guide) quizMarkdown(qi int, q *lessons.Quiz, lp *progress.Lesson, quizOnly bool) string {
	var b strings.Builder
	b.WriteString(g.questionMarkdown(qi, q))
	if lp != nil {
		if given, ok := lp.Answers[q.ID]; ok {
			fmt.Fprintf(&b, "%s\n\n", g.T("quiz.answered", joinInts(given)))
		}
	}
	switch {
	case g.Stdio == nil:
		fmt.Fprintf(&b, "%s\n\n", g.T("quiz.how", q.ID))
	case !quizOnly:
		fmt.Fprintf(&b, "%s\n\n", g.T("quiz.at-check", q.ID))
	}
	return b.String()
}

// questionMarkdown is question number qi+1 and its numbered choices.
func (g *Guide) questionMarkdown(qi int, q *lessons.Quiz) string {
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
