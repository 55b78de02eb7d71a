// Package guide is the guided lesson loop behind `dockyard learn`: it picks
// a lesson, shows the current step rendered for the terminal, reveals hints,
// asks quiz questions, has the step's checks evaluated, records progress and
// moves on. Every command of the loop (learn, next, prev, step, hint, check,
// answer, solve, reset, progress) is one method of Guide; cmd/learn only
// parses flags and calls them.
//
// The guide works with or without a terminal: with one it offers menus and
// asks quiz questions (survey); without one it prints plain text and every
// choice is given as an argument, so it can be scripted and tested. All
// text it prints comes from the i18n catalogs.
package guide

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/AlecAivazis/survey/v2/terminal"

	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/lessons/progress"
)

// Checker evaluates a step's checks. cmd/learn adapts package checker to
// it, so the loop can be tested with a fake and lessons never imports the
// checker.
type Checker interface {
	Check(ctx context.Context, req CheckRequest) (Report, error)
}

// CheckRequest is one step to check.
type CheckRequest struct {
	Lesson *lessons.Lesson
	Step   *lessons.Step
	// Lang is the language of the messages wanted.
	Lang string
	// Quizzes reads the student's recorded answers.
	Quizzes Quizzes
	// Dir and Env are the working directory and environment of `command`
	// checks: the student's folder and a PATH where docker is Dockyard.
	Dir string
	Env []string
	// Quick tries each check once (watch mode polls instead of waiting).
	Quick bool
}

// Quizzes reads recorded quiz answers; it is the checker's Quizzes
// interface.
type Quizzes interface {
	// QuizAnswer reports whether the quiz with that id was answered, and
	// whether rightly.
	QuizAnswer(id string) (answered, correct bool, err error)
}

// Status is the outcome of a check or a step.
type Status string

// The outcomes, as the checker names them.
const (
	Pass  Status = "pass"
	Fail  Status = "fail"
	Error Status = "error"
)

// Report is what the checker found for a step.
type Report struct {
	Status  Status
	Message string
	Results []Result
	// JSON is the checker's own report, written by `dockyard check --json`.
	JSON any
}

// Result is one check's outcome. Message holds every difference found,
// one per line, with the check's hint.
type Result struct {
	Name    string
	Status  Status
	Message string
}

// Options are what a Guide needs.
type Options struct {
	Course *lessons.Course
	Store  *progress.Store
	// Lang is the student's language ("en", "ko").
	Lang    string
	Out     io.Writer
	ErrOut  io.Writer
	Checker Checker
	// Stdio is the terminal for menus and questions; nil means no
	// terminal: plain output, and choices come as arguments.
	Stdio *terminal.Stdio
	// Color allows ANSI styling; Width is the terminal's width (80 if 0).
	Color bool
	Width int
	// Dir is the student's working directory, where scripts and command
	// checks run; Env is their environment with docker meaning Dockyard.
	Dir string
	Env []string
	// Changed reports whether something a check may look at changed since
	// it was last asked; watch mode then checks at once. Nil: check on the
	// interval only.
	Changed func() bool
	// Root is the engine's state root: the step the student is on is
	// recorded there (sandbox/scope), so that the engine labels what is
	// created in it. Empty: nothing is recorded.
	Root string
	// RemoveMade removes from the engine what was created with the label
	// key=value, i.e. what one step or one lesson made, for Reset. Nil:
	// Reset runs the cleanup blocks only.
	RemoveMade func(ctx context.Context, key, value string) error
	// Debug adds what only a lesson's author needs to messages: the
	// lesson file and line of a script that failed, and how it failed.
	Debug bool
}

// Guide runs the loop's commands.
type Guide struct {
	Options
	t *i18n.Printer
	p *progress.Progress
	// watching is set in watch mode, whose loop checks each step itself.
	watching bool
}

// ErrNotPassed is returned by Check, Solve and Watch when a step's checks
// did not all pass; the feedback has been printed already.
var ErrNotPassed = errors.New("the step's checks did not pass")

// ErrUsage is a problem to show the student as it is, one line in their
// language: a mistake in what they asked for (an unknown lesson, a step out
// of range) or a lesson script that failed.
type ErrUsage struct{ Message string }

func (e *ErrUsage) Error() string { return e.Message }

// New loads the progress and returns the guide. A progress file that could
// not be read has been moved aside; New says so on ErrOut.
func New(opts Options) (*Guide, error) {
	if opts.Width <= 0 {
		opts.Width = 80
	}
	g := &Guide{Options: opts, t: i18n.For(opts.Lang)}
	p, rec, err := opts.Store.Load()
	if err != nil {
		return nil, err
	}
	g.recovered(rec)
	g.p = p
	return g, nil
}

// T formats a message of the guide's catalog.
func (g *Guide) T(key string, args ...any) string { return g.t.T(key, args...) }

func (g *Guide) recovered(rec *progress.Recovered) {
	if rec != nil {
		g.Note("progress.recovered", rec.Reason, rec.Backup)
	}
}

// update applies fn to the stored progress under its lock and keeps the
// result.
func (g *Guide) update(fn func(p *progress.Progress) error) error {
	var latest *progress.Progress
	rec, err := g.Store.Update(func(p *progress.Progress) error {
		if err := fn(p); err != nil {
			return err
		}
		latest = p
		return nil
	})
	g.recovered(rec)
	if err != nil {
		return err
	}
	g.p = latest
	g.recordScope(false)
	return nil
}

func (g *Guide) usage(key string, args ...any) error {
	return &ErrUsage{Message: g.T(key, args...)}
}

// lesson returns lesson id in the student's language.
func (g *Guide) lesson(id string) (*lessons.Lesson, error) {
	l, err := g.Course.Lesson(id, g.Lang)
	if errors.Is(err, lessons.ErrNoLesson) {
		return nil, g.usage("error.no-lesson", id)
	}
	return l, err
}

// outline returns lesson id's outline (titles and step ids only) in the
// student's language, for menus and tables.
func (g *Guide) outline(id string) (*lessons.Lesson, error) {
	l, err := g.Course.Outline(id, g.Lang)
	if errors.Is(err, lessons.ErrNoLesson) {
		return nil, g.usage("error.no-lesson", id)
	}
	return l, err
}

// current returns the lesson and step the student is on.
func (g *Guide) current() (*lessons.Lesson, int, error) { return g.currentFrom(g.lesson) }

// currentOutline is current with the lesson's outline: enough for what
// only lists or counts its steps (the progress table, the prompt), without
// parsing the whole lesson.
func (g *Guide) currentOutline() (*lessons.Lesson, int, error) { return g.currentFrom(g.outline) }

func (g *Guide) currentFrom(get func(id string) (*lessons.Lesson, error)) (*lessons.Lesson, int, error) {
	if g.p.Current == "" {
		return nil, 0, g.usage("error.no-current")
	}
	l, err := get(g.p.Current)
	if err != nil {
		return nil, 0, err
	}
	if len(l.Steps) == 0 {
		return nil, 0, g.usage("error.no-steps", l.ID)
	}
	i := 0
	if lp := g.p.Lessons[l.ID]; lp != nil {
		i = max(l.StepIndex(lp.Current), 0)
	}
	return l, i, nil
}

// lessonProgress is the stored progress of a lesson, possibly nil.
func (g *Guide) lessonProgress(id string) *progress.Lesson { return g.p.Lessons[id] }

// doneCount counts the lesson's steps done.
func (g *Guide) doneCount(l *lessons.Lesson) int {
	lp := g.lessonProgress(l.ID)
	n := 0
	for _, s := range l.Steps {
		if lp.IsDone(s.ID) {
			n++
		}
	}
	return n
}

// quizBook answers the checker's questions about recorded answers.
type quizBook struct {
	lesson  *lessons.Lesson
	answers map[string][]int
}

func (q quizBook) QuizAnswer(id string) (answered, correct bool, err error) {
	for _, s := range q.lesson.Steps {
		for _, quiz := range s.Quizzes {
			if quiz.ID == id {
				given, ok := q.answers[id]
				return ok, ok && quiz.Correct(given), nil
			}
		}
	}
	return false, false, fmt.Errorf("no quiz %q in lesson %q", id, q.lesson.ID)
}

func (g *Guide) quizzes(l *lessons.Lesson) Quizzes {
	var answers map[string][]int
	if lp := g.lessonProgress(l.ID); lp != nil {
		answers = lp.Answers
	}
	return quizBook{lesson: l, answers: answers}
}
