package guide

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/progress"
	"github.com/dockyard-lab/dockyard/lessons/screen"
	"github.com/dockyard-lab/dockyard/lessons/shell"
	"github.com/dockyard-lab/dockyard/sandbox/scope"
)

// Learn starts or resumes a lesson and shows its current step. Without an
// id it offers a menu on a terminal and lists the lessons otherwise. On a
// terminal, a step that only asks questions asks them at once and checks
// the step; a step with work to do asks them at `dockyard check`.
func (g *Guide) Learn(ctx context.Context, id string) error {
	l, fresh, err := g.start(ctx, id)
	if err != nil || l == nil {
		return err
	}
	i := max(l.StepIndex(g.lessonProgress(l.ID).Current), 0)
	if err := g.print(g.StepMarkdown(l, i, fresh)); err != nil {
		return err
	}
	return g.interactiveQuiz(ctx, l, i)
}

// start makes lesson id (chosen from a menu or listed when "") current
// and prepares its step when the lesson is new; nil when the lessons were
// listed.
func (g *Guide) start(ctx context.Context, id string) (l *lessons.Lesson, fresh bool, err error) {
	if id == "" {
		if g.Stdio == nil {
			return nil, false, g.List()
		}
		chosen, err := g.chooseLesson()
		if err != nil {
			return nil, false, err
		}
		id = chosen
	}
	l, err = g.lesson(id)
	if err != nil {
		return nil, false, err
	}
	if len(l.Steps) == 0 {
		return nil, false, g.usage("error.no-steps", l.ID)
	}
	lp := g.lessonProgress(l.ID)
	fresh = lp == nil || lp.Current == ""
	i := 0
	if !fresh {
		i = max(l.StepIndex(lp.Current), 0)
	}
	if err := g.update(func(p *progress.Progress) error {
		p.Current = l.ID
		p.Lesson(l.ID).Current = l.Steps[i].ID
		return nil
	}); err != nil {
		return nil, false, err
	}
	if fresh {
		g.recordScope(true)
		g.requiresNote(l)
		if err := g.runScript(ctx, l, l.Steps[i], "setup"); err != nil {
			return nil, false, err
		}
	}
	return l, fresh, nil
}

// LangNote says which language the lessons are shown in and how to
// change it, wrapped at the reading width as the lesson is (a terminal's
// own wrap would split a word, or a Korean syllable block pair, at 80).
func (g *Guide) LangNote() { g.Note("lang.note") }

// say prints the message key (with args) to Out, wrapped at the reading
// width: a terminal's own wrap would split a word, or a Korean syllable
// block pair, at 80.
func (g *Guide) say(key string, args ...any) {
	for _, line := range screen.Wrap(g.T(key, args...), screen.ProseWidth(g.Width)) {
		fmt.Fprintln(g.Out, strings.TrimRight(line, " "))
	}
}

// Note prints the message key (with args) to ErrOut, wrapped at the
// reading width as LangNote is.
func (g *Guide) Note(key string, args ...any) {
	for _, line := range screen.Wrap(g.T(key, args...), screen.ProseWidth(g.Width)) {
		fmt.Fprintln(g.ErrOut, strings.TrimRight(line, " "))
	}
}

// interactiveQuiz asks, on a terminal, the questions of a step that only
// asks questions, and checks it (in watch mode the loop checks it). A step
// with work to do asks its questions at `dockyard check`, once the work is
// done.
func (g *Guide) interactiveQuiz(ctx context.Context, l *lessons.Lesson, i int) error {
	st := l.Steps[i]
	if g.Stdio == nil || !st.QuizOnly() || g.lessonProgress(l.ID).IsDone(st.ID) {
		return nil
	}
	if err := g.askQuizzes(l, st, false); err != nil {
		return err
	}
	if g.watching {
		return nil
	}
	return g.Check(ctx)
}

// requiresNote points at the lessons l builds on that are not done yet.
func (g *Guide) requiresNote(l *lessons.Lesson) {
	for _, id := range l.Requires.Lessons {
		req, err := g.outline(id)
		if err != nil || g.doneCount(req) == len(req.Steps) {
			continue
		}
		g.Note("lesson.requires", req.Title, req.ID)
	}
}

// List prints the lessons with the student's progress, for terminals and
// scripts alike.
func (g *Guide) List() error {
	fmt.Fprintln(g.Out, g.T("list.title"))
	for n, id := range g.Course.IDsIn(g.Lang) {
		l, err := g.outline(id)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.Out, "  %s %d. %-18s %s (%d/%d)\n", g.mark(l), n+1, l.ID, l.Title, g.doneCount(l), len(l.Steps))
	}
	fmt.Fprintln(g.Out, g.T("list.how"))
	return nil
}

// mark is a lesson's progress mark: ✓ done, ▸ started, · not started.
func (g *Guide) mark(l *lessons.Lesson) string {
	switch done := g.doneCount(l); {
	case done == len(l.Steps) && done > 0:
		return "✓"
	case g.lessonProgress(l.ID) != nil:
		return "▸"
	}
	return "·"
}

// Next moves to the following step.
func (g *Guide) Next(ctx context.Context) error {
	l, i, err := g.current()
	if err != nil {
		return err
	}
	if i+1 >= len(l.Steps) {
		return g.usage("error.last-step", len(l.Steps))
	}
	return g.enter(ctx, l, i+1)
}

// Prev moves to the step before.
func (g *Guide) Prev(ctx context.Context) error {
	l, i, err := g.current()
	if err != nil {
		return err
	}
	if i == 0 {
		return g.usage("error.first-step")
	}
	return g.enter(ctx, l, i-1)
}

// Goto moves to step n (1-based).
func (g *Guide) Goto(ctx context.Context, n int) error {
	l, _, err := g.current()
	if err != nil {
		return err
	}
	if n < 1 || n > len(l.Steps) {
		return g.usage("error.step-range", n, len(l.Steps))
	}
	return g.enter(ctx, l, n-1)
}

// enter makes step i current, prepares it when not done yet and shows it.
func (g *Guide) enter(ctx context.Context, l *lessons.Lesson, i int) error {
	st := l.Steps[i]
	if err := g.update(func(p *progress.Progress) error {
		p.Current = l.ID
		p.Lesson(l.ID).Current = st.ID
		return nil
	}); err != nil {
		return err
	}
	g.recordScope(true)
	if !g.lessonProgress(l.ID).IsDone(st.ID) {
		if err := g.runScript(ctx, l, st, "setup"); err != nil {
			return err
		}
	}
	if err := g.print(g.StepMarkdown(l, i, false)); err != nil {
		return err
	}
	return g.interactiveQuiz(ctx, l, i)
}

// Hint reveals the current step's next hint, then what the step's checks
// find now: a student who went another way than the step's (stopped a
// container the step kills) sees where they stand and how to start the
// step again.
func (g *Guide) Hint(ctx context.Context) error {
	l, i, err := g.current()
	if err != nil {
		return err
	}
	if err := g.hint(l, l.Steps[i]); err != nil {
		return err
	}
	return g.whereNow(ctx, l, l.Steps[i])
}

// whereNow checks the step once and, when it fails on what the engine
// holds, prints the failures and how to reset the step. A step done, a
// check that passes, or one that cannot run (no engine) adds nothing.
func (g *Guide) whereNow(ctx context.Context, l *lessons.Lesson, st *lessons.Step) error {
	if g.Checker == nil || len(st.Checks) == 0 || st.QuizOnly() || g.lessonProgress(l.ID).IsDone(st.ID) {
		return nil
	}
	r, err := g.Checker.Check(ctx, CheckRequest{Lesson: l, Step: st, Lang: g.Lang, Quizzes: g.quizzes(l),
		Dir: g.Dir, Env: g.Env, Quick: true})
	if err != nil || r.Status != Fail {
		return nil
	}
	fmt.Fprintln(g.Out)
	g.say("hint.now")
	for _, res := range r.Results {
		if res.Status == Pass {
			continue
		}
		fmt.Fprintf(g.Out, "  ✗ %s\n", res.Name)
		g.printWrapped(res.Message, 6)
	}
	g.say("hint.off-path")
	return nil
}

// hint prints st's next hint and counts it.
func (g *Guide) hint(l *lessons.Lesson, st *lessons.Step) error {
	if len(st.Hints) == 0 {
		g.say("hint.none")
		return nil
	}
	shown := 0
	if lp := g.lessonProgress(l.ID); lp != nil && lp.Steps[st.ID] != nil {
		shown = lp.Steps[st.ID].Hints
	}
	if shown >= len(st.Hints) {
		g.say("hint.all-shown", len(st.Hints))
		return nil
	}
	if err := g.update(func(p *progress.Progress) error {
		p.Lesson(l.ID).Step(st.ID).Hints = shown + 1
		return nil
	}); err != nil {
		return err
	}
	md := fmt.Sprintf("> **%s**\n>\n%s\n", g.T("hint.title", shown+1, len(st.Hints)), quote(st.Hints[shown]))
	if shown+1 < len(st.Hints) {
		md += "\n" + g.T("hint.more") + "\n"
	}
	return g.print(md)
}

// Answer records the student's choices for a quiz of the current lesson
// (or, when it is not there, of any lesson), as `dockyard answer` does.
func (g *Guide) Answer(quizID string, choices []int) error {
	l, q := g.findQuiz(quizID)
	if q == nil {
		return g.usage("error.no-quiz", quizID)
	}
	if len(choices) == 0 {
		return g.usage("error.answer-none", quizID)
	}
	if !q.Multiple() && len(choices) > 1 {
		return g.usage("error.answer-single", quizID)
	}
	for _, c := range choices {
		if c < 1 || c > len(q.Choices) {
			return g.usage("error.answer-range", c, len(q.Choices))
		}
	}
	if err := g.update(func(p *progress.Progress) error {
		p.Lesson(l.ID).Answer(q.ID, choices)
		return nil
	}); err != nil {
		return err
	}
	g.say("quiz.recorded", q.ID, joinInts(choices))
	return nil
}

func (g *Guide) findQuiz(id string) (*lessons.Lesson, *lessons.Quiz) {
	ids := g.Course.IDsIn(g.Lang)
	if g.p.Current != "" {
		ids = append([]string{g.p.Current}, ids...)
	}
	for _, lid := range ids {
		l, err := g.lesson(lid)
		if err != nil {
			continue
		}
		for _, st := range l.Steps {
			for _, q := range st.Quizzes {
				if q.ID == id {
					return l, q
				}
			}
		}
	}
	return nil, nil
}

// Check evaluates the current step, prints every failure, and when all
// checks pass records the step as done and shows the next one.
func (g *Guide) Check(ctx context.Context) error {
	_, err := g.check(ctx, false, nil)
	return err
}

// CheckReport is Check that also returns the checker's report (for
// `dockyard check --json`); it prints nothing but the recovery notice.
func (g *Guide) CheckReport(ctx context.Context) (Report, error) {
	var rep Report
	_, err := g.check(ctx, false, &rep)
	return rep, err
}

// check runs the current step's checks. With quiet (watch mode) a failure
// prints nothing; with rep set, the report is stored there and nothing is
// printed.
func (g *Guide) check(ctx context.Context, quiet bool, rep *Report) (bool, error) {
	l, i, err := g.current()
	if err != nil {
		return false, err
	}
	// The step is recorded again if something cleared it (an author test
	// or another front end on the same engine), so that what the student
	// makes next is labelled as made in it: a failed check changes no
	// progress, and would otherwise never record it.
	g.recordScope(false)
	st := l.Steps[i]
	if len(st.Checks) == 0 {
		return false, g.usage("error.no-checks", st.ID)
	}
	announced := false
	if g.Stdio != nil && rep == nil && !quiet {
		// The work first: the step's page says its questions come once
		// it is done, and a menu before a failure would ask for nothing.
		if work := st.Work(); work != nil && g.openQuiz(l, st) {
			fmt.Fprintln(g.ErrOut, g.T("check.running", i+1))
			announced = true
			r, err := g.Checker.Check(ctx, CheckRequest{Lesson: l, Step: work, Lang: g.Lang, Quizzes: g.quizzes(l), Dir: g.Dir, Env: g.Env})
			if err != nil {
				return false, err
			}
			if r.Status != Pass {
				g.printFailures(r)
				return false, ErrNotPassed
			}
		}
		if err := g.askQuizzes(l, st, true); err != nil {
			return false, err
		}
	}
	if g.Stdio != nil && !quiet && !announced {
		fmt.Fprintln(g.ErrOut, g.T("check.running", i+1))
	}
	r, err := g.Checker.Check(ctx, CheckRequest{Lesson: l, Step: st, Lang: g.Lang, Quizzes: g.quizzes(l),
		Dir: g.Dir, Env: g.Env, Quick: quiet})
	if err != nil {
		return false, err
	}
	if rep != nil {
		*rep = r
	}
	if r.Status != Pass {
		if !quiet && rep == nil {
			g.printFailures(r)
		}
		if rep != nil {
			return false, nil
		}
		return false, ErrNotPassed
	}
	return true, g.passed(ctx, l, i, false, rep == nil)
}

func (g *Guide) printFailures(r Report) {
	failed := 0
	for _, res := range r.Results {
		switch res.Status {
		case Pass:
			fmt.Fprintf(g.Out, "  ✓ %s\n", res.Name)
		case Fail:
			failed++
			fmt.Fprintf(g.Out, "  ✗ %s\n", res.Name)
		default:
			failed++
			fmt.Fprintf(g.Out, "  ! %s\n", res.Name)
		}
		if res.Status != Pass && res.Message != "" {
			g.printWrapped(res.Message, 6)
		}
	}
	fmt.Fprintln(g.Out)
	if r.Status == Error {
		g.printWrapped(g.T("check.error", failed, len(r.Results)), 0)
	} else {
		g.printWrapped(g.T("check.fail", failed, len(r.Results)), 0)
	}
}

// passed records step i as done and moves on; show prints the next step.
func (g *Guide) passed(ctx context.Context, l *lessons.Lesson, i int, solved, show bool) error {
	st := l.Steps[i]
	last := i+1 >= len(l.Steps)
	if err := g.update(func(p *progress.Progress) error {
		lp := p.Lesson(l.ID)
		sp := lp.Step(st.ID)
		if !sp.Done {
			sp.Done, sp.Solved, sp.At = true, solved, time.Now().UTC().Truncate(time.Second)
		}
		if !last {
			lp.Current = l.Steps[i+1].ID
		}
		lp.Updated = time.Now().UTC().Truncate(time.Second)
		return nil
	}); err != nil {
		return err
	}
	if !show {
		return nil
	}
	if solved {
		fmt.Fprintln(g.Out, g.T("check.solved", i+1, st.Title))
	} else {
		fmt.Fprintln(g.Out, g.T("check.pass", i+1, st.Title))
	}
	if last {
		return g.finished(l)
	}
	fmt.Fprintln(g.Out)
	return g.enter(ctx, l, i+1)
}

// finished congratulates and points at the next lesson.
func (g *Guide) finished(l *lessons.Lesson) error {
	done := g.doneCount(l)
	g.say("lesson.done", l.Title, done, len(l.Steps))
	ids := g.Course.IDsIn(g.Lang)
	for n, id := range ids {
		if id == l.ID && n+1 < len(ids) {
			next, err := g.outline(ids[n+1])
			if err != nil {
				return err
			}
			g.say("lesson.next", next.Title, next.ID)
			return nil
		}
	}
	g.say("course.done")
	return nil
}

// Solve runs the current step's reference solution, checks the step and
// records it as solved with help.
func (g *Guide) Solve(ctx context.Context) error {
	l, i, err := g.current()
	if err != nil {
		return err
	}
	st := l.Steps[i]
	if st.Solution.Empty() {
		return g.usage("error.no-solution", st.ID)
	}
	g.say("solve.running")
	if err := g.print("```sh\n" + st.Solution.Source + "```\n"); err != nil {
		return err
	}
	if err := g.runScript(ctx, l, st, "solution"); err != nil {
		// Off the lesson's path (a container stopped where the step
		// kills it, a name already taken): the commands written for the
		// step's start do not apply to what the engine holds now. Where
		// the script failed is for the lesson's author (--debug).
		msg := g.T("solve.off-path")
		if g.Debug {
			msg += "\n" + err.Error()
		}
		return &ErrUsage{Message: msg}
	}
	if err := g.reload(); err != nil {
		return err
	}
	r, err := g.Checker.Check(ctx, CheckRequest{Lesson: l, Step: st, Lang: g.Lang, Quizzes: g.quizzes(l), Dir: g.Dir, Env: g.Env})
	if err != nil {
		return err
	}
	if r.Status != Pass {
		g.printFailures(r)
		g.say("solve.still-failing")
		return ErrNotPassed
	}
	return g.passed(ctx, l, i, true, true)
}

// reload rereads the progress (a script may have changed it, e.g. a
// solution that runs `dockyard answer`).
func (g *Guide) reload() error {
	p, rec, err := g.Store.Load()
	if err != nil {
		return err
	}
	g.recovered(rec)
	g.p = p
	return nil
}

// Scope is what Reset resets.
type Scope int

// The scopes of `dockyard reset`.
const (
	ScopeStep Scope = iota
	ScopeLesson
	ScopeAll
)

// Reset undoes the current step, the current lesson or every lesson: it
// removes what the engine created in them (by the labels of sandbox/scope,
// so another lesson's containers stay), runs their cleanup blocks (the last
// step first), forgets the progress, and prepares the step to start again.
func (g *Guide) Reset(ctx context.Context, what Scope) error {
	switch what {
	case ScopeAll:
		for _, id := range g.Course.IDsIn(g.Lang) {
			if g.lessonProgress(id) == nil {
				continue
			}
			l, err := g.lesson(id)
			if err != nil {
				return err
			}
			g.removeMade(ctx, scope.LessonLabel, l.ID)
			g.cleanupSteps(ctx, l, allSteps(l))
		}
		if err := g.update(func(p *progress.Progress) error {
			*p = *progress.New()
			return nil
		}); err != nil {
			return err
		}
		g.say("reset.all")
		return nil
	case ScopeLesson:
		l, _, err := g.current()
		if err != nil {
			return err
		}
		g.removeMade(ctx, scope.LessonLabel, l.ID)
		g.cleanupSteps(ctx, l, allSteps(l))
		if err := g.update(func(p *progress.Progress) error {
			delete(p.Lessons, l.ID)
			p.Lesson(l.ID).Current = l.Steps[0].ID
			return nil
		}); err != nil {
			return err
		}
		g.say("reset.lesson", l.Title)
		return g.enter(ctx, l, 0)
	default:
		l, i, err := g.current()
		if err != nil {
			return err
		}
		st := l.Steps[i]
		g.removeMade(ctx, scope.StepLabel, scope.Scope{Lesson: l.ID, Step: st.ID}.StepID())
		g.cleanupSteps(ctx, l, []int{i})
		if err := g.update(func(p *progress.Progress) error {
			lp := p.Lesson(l.ID)
			delete(lp.Steps, st.ID)
			for _, q := range st.Quizzes {
				delete(lp.Answers, q.ID)
			}
			return nil
		}); err != nil {
			return err
		}
		g.say("reset.step", i+1, st.Title)
		return g.enter(ctx, l, i)
	}
}

// allSteps lists a lesson's step indexes, the last first: the order to undo
// them in.
func allSteps(l *lessons.Lesson) []int {
	out := make([]int, len(l.Steps))
	for i := range out {
		out[i] = len(l.Steps) - 1 - i
	}
	return out
}

// cleanupSteps runs the cleanup blocks of the given steps, in that order,
// reporting a failure and going on.
func (g *Guide) cleanupSteps(ctx context.Context, l *lessons.Lesson, steps []int) {
	for _, i := range steps {
		if err := g.runScript(ctx, l, l.Steps[i], "cleanup"); err != nil {
			g.Note("script.failed-continue", g.T("block.cleanup"), l.Steps[i].ID, err)
		}
	}
}

// runScript runs a step's setup, solution or cleanup block in the
// student's folder with docker meaning Dockyard; output goes to ErrOut so
// that the step's text stays together on Out.
func (g *Guide) runScript(ctx context.Context, l *lessons.Lesson, st *lessons.Step, kind string) error {
	s := map[string]lessons.Script{"setup": st.Setup, "solution": st.Solution, "cleanup": st.Cleanup}[kind]
	if s.Empty() {
		return nil
	}
	if kind == "setup" {
		fmt.Fprintln(g.ErrOut, g.T("script.setup"))
		g.markSetup(true)
		defer g.markSetup(false)
	}
	err := shell.Run(ctx, shell.Script{Source: s.Source, Dir: g.Dir, Env: g.Env, Stdout: g.ErrOut, Stderr: g.ErrOut})
	if err != nil {
		return &ErrUsage{Message: g.T("script.failed", g.T("block."+kind), st.ID, fmt.Sprintf("%s:%d", l.File, s.Line-1), err)}
	}
	return nil
}

// Watch starts or resumes lesson id (the current lesson when "") and shows
// its step once, then checks the current step every interval, and sooner
// when Options.Changed reports a change (the engine's state, the student's
// folder, the progress file), and moves on when the step passes, so the
// student can stay in their shell; it ends when the lesson is done or ctx
// is cancelled.
func (g *Guide) Watch(ctx context.Context, id string, interval time.Duration) error {
	g.watching = true
	defer func() { g.watching = false }()
	fresh := false
	if id != "" {
		l, f, err := g.start(ctx, id)
		if err != nil || l == nil {
			return err
		}
		fresh = f
	}
	l, i, err := g.current()
	if err != nil {
		return err
	}
	if err := g.print(g.StepMarkdown(l, i, fresh)); err != nil {
		return err
	}
	if err := g.interactiveQuiz(ctx, l, i); err != nil {
		return err
	}
	g.say("watch.start", interval)
	lastMsg := ""
	for {
		if err := g.reload(); err != nil {
			return err
		}
		l2, i2, err := g.current()
		if err != nil {
			return err
		}
		if l2.ID != l.ID {
			return nil
		}
		l, i = l2, i2
		rep := Report{}
		ok, err := g.check(ctx, true, &rep)
		if err != nil && !errors.Is(err, ErrNotPassed) {
			return err
		}
		if ok {
			st := l.Steps[i]
			fmt.Fprintln(g.Out, g.T("check.pass", i+1, st.Title))
			if i+1 >= len(l.Steps) {
				return g.finished(l)
			}
			fmt.Fprintln(g.Out)
			if err := g.enter(ctx, l, i+1); err != nil {
				return err
			}
			g.say("watch.start", interval)
			lastMsg = ""
		} else if msg := summary(rep); msg != lastMsg {
			g.printFailures(rep)
			lastMsg = msg
		}
		if !g.waitChange(ctx, interval) {
			g.say("watch.stop")
			return nil
		}
	}
}

// watchPoll is how often Watch asks Options.Changed.
const watchPoll = 250 * time.Millisecond

// waitChange waits for interval or, sooner, a change; false when ctx ends.
func (g *Guide) waitChange(ctx context.Context, interval time.Duration) bool {
	deadline := time.Now().Add(interval)
	for {
		wait := time.Until(deadline)
		if g.Changed != nil {
			wait = min(wait, watchPoll)
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(max(wait, 0)):
		}
		if !time.Now().Before(deadline) || (g.Changed != nil && g.Changed()) {
			return true
		}
	}
}

func summary(r Report) string {
	var b strings.Builder
	for _, res := range r.Results {
		fmt.Fprintf(&b, "%s %s %s\n", res.Status, res.Name, res.Message)
	}
	return b.String()
}

// Where names the current lesson and step for a shell prompt ("intro
// 2/5"), or "" when no lesson is started.
func (g *Guide) Where() string {
	l, i, err := g.currentOutline()
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s %d/%d", l.ID, i+1, len(l.Steps))
}
