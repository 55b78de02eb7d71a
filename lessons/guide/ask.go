package guide

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/terminal"

	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/progress"
	"github.com/dockyard-lab/dockyard/lessons/screen"
)

// ErrCancelled is returned when the student leaves a menu (Ctrl-C, Esc).
var ErrCancelled = errors.New("cancelled")

func (g *Guide) askOpts() []survey.AskOpt {
	localizeOnce.Do(func() { localizeSurvey(g) })
	return []survey.AskOpt{survey.WithStdio(g.Stdio.In, g.Stdio.Out, g.Stdio.Err),
		survey.WithRemoveSelectAll(), survey.WithRemoveSelectNone()}
}

var localizeOnce sync.Once

// localizeSurvey puts the key help of survey's menus ("Use arrows to
// move, ...") in the student's language. survey keeps it in package
// templates, so this is done once, when the first menu opens.
func localizeSurvey(g *Guide) {
	r := strings.NewReplacer(
		"[Use arrows to move, type to filter", "["+g.T("survey.select"),
		"[Use arrows to move, space to select,", "["+g.T("survey.multi")+",",
		" type to filter{{", " "+g.T("survey.filter")+"{{",
		" for more help", " "+g.T("survey.help"),
	)
	survey.SelectQuestionTemplate = r.Replace(survey.SelectQuestionTemplate)
	survey.MultiSelectQuestionTemplate = r.Replace(survey.MultiSelectQuestionTemplate)
}

func cancelled(err error) error {
	if errors.Is(err, terminal.InterruptErr) {
		return ErrCancelled
	}
	return err
}

// chooseLesson offers the lessons in a menu, the one in progress first
// selected, and returns the chosen id.
func (g *Guide) chooseLesson() (string, error) {
	ids := g.Course.IDsIn(g.Lang)
	if len(ids) == 0 {
		return "", g.usage("error.no-lessons")
	}
	options := make([]string, len(ids))
	summaries := make([]string, len(ids))
	def := 0
	for n, id := range ids {
		l, err := g.outline(id)
		if err != nil {
			return "", err
		}
		options[n] = fmt.Sprintf("%s %d. %s (%d/%d)", g.mark(l), n+1, l.Title, g.doneCount(l), len(l.Steps))
		summaries[n] = g.T("lesson.minutes", l.Minutes)
		if id == g.p.Current {
			def = n
		}
	}
	var chosen int
	prompt := &survey.Select{Message: g.T("menu.title"), Options: options, Default: options[def], PageSize: 12,
		Help: g.T("menu.help"), Description: func(_ string, i int) string { return summaries[i] }}
	if err := survey.AskOne(prompt, &chosen, g.askOpts()...); err != nil {
		return "", cancelled(err)
	}
	return ids[chosen], nil
}

// openQuiz reports whether a question of the step is not answered
// rightly yet.
func (g *Guide) openQuiz(l *lessons.Lesson, st *lessons.Step) bool {
	for _, q := range st.Quizzes {
		if _, correct, err := g.quizzes(l).QuizAnswer(q.ID); err != nil || !correct {
			return true
		}
	}
	return false
}

// askQuizzes asks the step's questions not answered rightly yet and
// records the answers. A wrong answer is said to be wrong (with the
// lesson's explanation, when it gives one) and the question asked again;
// one answered rightly is never asked again. With show, each question and
// its choices are printed above its menu: at `dockyard check` the step's
// page has long scrolled away, and the menu names the question only by
// its number.
func (g *Guide) askQuizzes(l *lessons.Lesson, st *lessons.Step, show bool) error {
	for n, q := range st.Quizzes {
		answered, correct, err := g.quizzes(l).QuizAnswer(q.ID)
		if err != nil {
			return err
		}
		if correct {
			continue
		}
		if show {
			if err := g.print(g.questionMarkdown(n, q)); err != nil {
				return err
			}
		}
		if answered {
			g.wrongAnswer(q, g.lessonProgress(l.ID).Answers[q.ID])
		}
		for {
			choices, err := g.ask(q, n+1)
			if err != nil {
				return err
			}
			if err := g.update(func(p *progress.Progress) error {
				p.Lesson(l.ID).Answer(q.ID, choices)
				return nil
			}); err != nil {
				return err
			}
			if q.Correct(choices) {
				break
			}
			g.wrongAnswer(q, choices)
		}
	}
	return nil
}

// wrongAnswer tells the student their answer given to q is wrong, and why
// when the lesson says. A multiple choice answer with some right choices is
// said to be partly right: how many of the chosen are right, and whether
// right ones are missing or wrong ones extra, never which.
func (g *Guide) wrongAnswer(q *lessons.Quiz, given []int) {
	right, extra, missing := q.Mark(given)
	if q.Multiple() && right > 0 {
		switch {
		case extra == 0:
			fmt.Fprintln(g.Out, g.T("quiz.partly-missing"))
		case missing == 0:
			fmt.Fprintln(g.Out, g.T("quiz.partly-extra", right, right+extra))
		default:
			fmt.Fprintln(g.Out, g.T("quiz.partly-both", right, right+extra))
		}
		if q.Explanation != "" {
			fmt.Fprintln(g.Out, strings.TrimSpace(q.Explanation))
		}
		return
	}
	if q.Explanation != "" {
		fmt.Fprintln(g.Out, g.T("quiz.wrong-why", strings.TrimSpace(q.Explanation)))
		return
	}
	fmt.Fprintln(g.Out, g.T("quiz.wrong"))
}

// ask shows q, the step's question number n, as a menu and returns the
// 1-based choices.
func (g *Guide) ask(q *lessons.Quiz, n int) ([]int, error) {
	message, options := g.menu(q, n)
	if q.Multiple() {
		var picked []int
		p := &survey.MultiSelect{Message: message, Options: options, Help: g.T("quiz.help-multiple")}
		if err := survey.AskOne(p, &picked, append(g.askOpts(), survey.WithValidator(survey.Required))...); err != nil {
			return nil, cancelled(err)
		}
		choices := make([]int, len(picked))
		for n, i := range picked {
			choices[n] = i + 1
		}
		return choices, nil
	}
	var picked int
	p := &survey.Select{Message: message, Options: options, Help: g.T("quiz.help-single")}
	if err := survey.AskOne(p, &picked, g.askOpts()...); err != nil {
		return nil, cancelled(err)
	}
	return []int{picked + 1}, nil
}

// menu is the message and the options of q's menu, the step's question
// number n. The question and its numbered choices are on the screen above
// in full, so the message names the question by its number. survey cannot
// redraw a line the terminal wrapped, and a choice cut short is half a
// sentence to choose from: when a choice does not fit on one line, every
// option is the short label of its number ("Choice 2") to find in the list
// above.
func (g *Guide) menu(q *lessons.Quiz, n int) (message string, options []string) {
	message = g.T("quiz.title") + " " + strconv.Itoa(n)
	room := g.Width - 3 // survey's "> " before a choice, and the last column
	if q.Multiple() {
		room = g.Width - 8 // "> [ ]  "
	}
	// Once answered, survey leaves "? <message> <choice>" on the screen.
	room = min(room, g.Width-1-screen.Width("? "+message+" "))
	options = make([]string, len(q.Choices))
	fits := true
	for i, c := range q.Choices {
		options[i] = strconv.Itoa(i+1) + ". " + inline(c)
		fits = fits && screen.Width(options[i]) <= room
	}
	if !fits {
		for i := range options {
			options[i] = g.T("quiz.choice", i+1)
		}
	}
	return message, options
}
