// Package reftest runs a lesson's reference solutions against a real engine
// and proves its checks mean something: for each step, the checks must fail
// after the step's setup, pass after its solution, and the cleanup must
// leave the engine as it found it. `dockyard author test` prints the rows.
package reftest

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/kballard/go-shellquote"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/sandbox/imageref"
	"github.com/dockyard-lab/dockyard/sandbox/scope"
)

// Script is a shell block of a step and where it is written.
type Script struct {
	Source string
	File   string
	Line   int
}

// Step is what the runner needs of one lesson step.
type Step struct {
	Lesson, ID               string
	Setup, Solution, Cleanup Script
	Checks                   []checker.Block
	// Images are the images the lesson requires (front matter
	// requires.images): made ready before the lesson, so their tags may
	// appear during a step (a lazy pull or bake) without counting as left
	// behind.
	Images []string
}

// Runner runs steps against one engine.
type Runner struct {
	Engine checker.Engine
	// Env and Dir are the environment and directory of the scripts and of
	// command checks; Env's PATH makes `docker` mean the engine under test.
	Env []string
	Dir string
	// Lang is the language of check messages.
	Lang string
	// ScriptTimeout bounds each setup, solution and cleanup (default 5 min).
	ScriptTimeout time.Duration
	// Root is the state root of Dockyard's own engine when that is the
	// engine under test: before each step the runner records the step as
	// the active one there (sandbox/scope), as the guided loop does when a
	// student enters it, so the engine labels what the step creates and
	// `vm` checks read only runs made during the step.
	Root string

	// prior is the step active in Root before enter (a student's, on the
	// same engine), put back by leave.
	prior scope.Scope
}

// enter records s as the active step in Root, when there is one, and
// runs its setup with the scope marked as setup (scope.SetupLabel), as the
// guided loop does when a student enters it.
func (r *Runner) enter(ctx context.Context, s Step) error {
	if r.Root == "" {
		return r.script(ctx, "setup", s.Setup)
	}
	r.prior = scope.Read(r.Root)
	sc := scope.Scope{Lesson: s.Lesson, Step: s.ID, Entered: time.Now(), Setup: true}
	if err := scope.Write(r.Root, sc); err != nil {
		return err
	}
	err := r.script(ctx, "setup", s.Setup)
	sc.Setup = false
	return errors.Join(err, scope.Write(r.Root, sc))
}

// leave puts back the step that was active before enter: none, or the one
// a student on the same engine is on, whose work the engine must go on
// labelling as made in their step.
func (r *Runner) leave() {
	switch {
	case r.Root == "":
	case r.prior.Lesson != "":
		scope.Write(r.Root, r.prior)
	default:
		scope.Clear(r.Root)
	}
}

// Phase is the outcome of one part of a step: OK, or why not.
type Phase struct {
	OK      bool
	Skipped bool
	Detail  string
}

func (p Phase) String() string {
	switch {
	case p.Skipped:
		return "-"
	case p.OK:
		return "ok"
	}
	return "FAIL"
}

// Row is the outcome of one step.
type Row struct {
	Lesson, Step           string
	Before, After, Cleanup Phase
	Duration               time.Duration
}

// OK reports whether every phase of the step passed.
func (r Row) OK() bool { return r.Before.OK && r.After.OK && r.Cleanup.OK }

// answers plays the student's quiz answers: none before the solution,
// right ones after.
type answers struct{ solved bool }

func (a *answers) QuizAnswer(string) (bool, bool, error) { return a.solved, a.solved, nil }

// Run runs one step: snapshot, setup, checks (must not pass), solution,
// checks (must pass), cleanup, snapshot (must equal the first).
func (r *Runner) Run(ctx context.Context, s Step) (row Row) {
	start := time.Now()
	row = Row{Lesson: s.Lesson, Step: s.ID,
		Before: Phase{Skipped: true}, After: Phase{Skipped: true}, Cleanup: Phase{Skipped: true}}
	defer func() { row.Duration = time.Since(start) }()

	before, err := checker.Take(ctx, r.Engine)
	if err != nil {
		row.Before = Phase{Detail: fmt.Sprintf("cannot read the engine: %v", err)}
		return row
	}
	row.Before, row.After = r.work(ctx, s)
	row.Cleanup = r.cleanup(ctx, s, before)
	return row
}

// Walk runs one step as a student walking the course meets it: setup,
// checks (must not pass), solution, checks (must pass), on whatever the
// earlier steps left, and no cleanup: the next step starts from what this
// one leaves. Run Unwind after the last step.
func (r *Runner) Walk(ctx context.Context, s Step) (row Row) {
	start := time.Now()
	row = Row{Lesson: s.Lesson, Step: s.ID, Cleanup: Phase{OK: true, Skipped: true}}
	row.Before, row.After = r.work(ctx, s)
	row.Duration = time.Since(start)
	return row
}

// Unwind runs the cleanup of every step, the last first (as a reset does),
// and compares the engine with before, taken before the first step.
func (r *Runner) Unwind(ctx context.Context, steps []Step, before checker.Snapshot) Row {
	start := time.Now()
	row := Row{Lesson: "(course)", Step: "(cleanup)", Before: Phase{OK: true, Skipped: true}, After: Phase{OK: true, Skipped: true}}
	var problems []string
	var images []string
	for i := len(steps) - 1; i >= 0; i-- {
		if err := r.script(ctx, "cleanup", steps[i].Cleanup); err != nil {
			problems = append(problems, fmt.Sprintf("%s/%s: %v", steps[i].Lesson, steps[i].ID, err))
		}
		images = append(images, steps[i].Images...)
	}
	if err := r.pruneRebuilt(ctx, before); err != nil {
		problems = append(problems, err.Error())
	}
	after, err := checker.Take(ctx, r.Engine)
	switch {
	case err != nil:
		problems = append(problems, fmt.Sprintf("cannot read the engine after cleanup: %v", err))
	default:
		if diff := required(before.Diff(after), images); len(diff) > 0 {
			problems = append(problems, "the engine is not back to its state before the course: "+strings.Join(diff, ", "))
		}
	}
	row.Cleanup = Phase{OK: len(problems) == 0, Detail: strings.Join(problems, "\n")}
	row.Duration = time.Since(start)
	return row
}

// pruneRebuilt removes the untagged images the course built: a rebuild
// under a tag an earlier step used leaves the image it replaced without a
// name, as on Docker, and no step's cleanup can name it. Only images
// labelled with a lesson step (sandbox/scope) that were not there before the
// course go, as a student's docker image prune would remove them.
func (r *Runner) pruneRebuilt(ctx context.Context, before checker.Snapshot) error {
	now, err := checker.Take(ctx, r.Engine)
	if err != nil {
		return nil // the comparison after it reports the engine
	}
	var ids []string
	for _, n := range now.Images {
		if slices.Contains(before.Images, n) {
			continue
		}
		img, err := r.Engine.Image(ctx, n)
		if err != nil || len(img.Tags) > 0 || img.Labels[scope.StepLabel] == "" {
			continue
		}
		ids = append(ids, img.ID)
	}
	if len(ids) == 0 {
		return nil
	}
	if err := r.script(ctx, "cleanup", Script{Source: "docker rmi " + strings.Join(ids, " "), File: "(course)"}); err != nil {
		return fmt.Errorf("remove the images rebuilds left untagged: %w", err)
	}
	return nil
}

// work runs a step's setup, its checks before the solution, the solution
// and its checks after.
func (r *Runner) work(ctx context.Context, s Step) (before, after Phase) {
	// A check block that does not parse is the lesson's mistake, whatever
	// the engine holds: its problem once, as lint words it, not again as a
	// failure before and after the solution.
	var broken []string
	for _, b := range s.Checks {
		if _, err := checker.Parse(b); err != nil {
			broken = append(broken, err.Error())
		}
	}
	if len(broken) > 0 {
		return Phase{Detail: strings.Join(broken, "\n") + "\n(dockyard author lint lists every problem of the lesson)"}, Phase{Skipped: true}
	}
	checks := checker.ParseAll(s.Checks)
	quiz := &answers{}
	env := checker.Env{Engine: r.Engine, Quizzes: quiz, Lang: r.Lang, CommandEnv: r.Env, CommandDir: r.Dir,
		Step: s.Lesson + "/" + s.ID}
	defer r.leave()
	if err := r.enter(ctx, s); err != nil {
		return Phase{Detail: err.Error()}, Phase{Skipped: true}
	}
	return r.before(ctx, env, checks), r.after(ctx, s, env, checks, quiz)
}

func (r *Runner) before(ctx context.Context, env checker.Env, checks []checker.Check) Phase {
	if len(checks) == 0 {
		return Phase{Detail: "the step has no checks"}
	}
	env.NoRetry = true
	rep := checker.Evaluate(ctx, env, checks)
	var problems []string
	for _, t := range rep.Tests {
		switch {
		case isInvalid(t):
			problems = append(problems, fmt.Sprintf("%s (%s:%d) does not parse: %s", t.Name, t.File, t.Line, t.Message))
		case t.Status == checker.Pass:
			problems = append(problems, fmt.Sprintf("%s (%s:%d) passes before the solution ran; it does not test the step", t.Name, t.File, t.Line))
		}
	}
	if len(problems) > 0 {
		return Phase{Detail: strings.Join(problems, "\n")}
	}
	return Phase{OK: true}
}

func isInvalid(t checker.Result) bool {
	for _, f := range t.Findings {
		if f.Key == "check.invalid" {
			return true
		}
	}
	return false
}

func (r *Runner) after(ctx context.Context, s Step, env checker.Env, checks []checker.Check, quiz *answers) Phase {
	if s.Solution.Source == "" && !onlyQuizzes(checks) {
		return Phase{Detail: "the step has no solution block"}
	}
	if err := r.script(ctx, "solution", s.Solution); err != nil {
		return Phase{Detail: err.Error()}
	}
	quiz.solved = true
	rep := checker.Evaluate(ctx, env, checks)
	var problems []string
	for _, t := range rep.Tests {
		if t.Status != checker.Pass {
			problems = append(problems, fmt.Sprintf("%s (%s:%d) %s after the solution: %s", t.Name, t.File, t.Line, t.Status, t.Message))
		}
	}
	if len(problems) > 0 {
		return Phase{Detail: strings.Join(problems, "\n")}
	}
	return Phase{OK: true}
}

func onlyQuizzes(checks []checker.Check) bool {
	for _, c := range checks {
		if c.Kind != checker.KindQuiz {
			return false
		}
	}
	return true
}

func (r *Runner) cleanup(ctx context.Context, s Step, before checker.Snapshot) Phase {
	if err := r.script(ctx, "cleanup", s.Cleanup); err != nil {
		return Phase{Detail: err.Error()}
	}
	after, err := checker.Take(ctx, r.Engine)
	if err != nil {
		return Phase{Detail: fmt.Sprintf("cannot read the engine after cleanup: %v", err)}
	}
	if diff := required(before.Diff(after), s.Images); len(diff) > 0 {
		return Phase{Detail: "the engine is not back to its state before the step: " + strings.Join(diff, ", ")}
	}
	return Phase{OK: true}
}

// Prepare makes a lesson's required images present before its first step,
// as `dockyard images prepare` does for a student: `docker pull` of each
// one missing (Dockyard bakes lesson images it cannot pull). What the engine makes on
// the way (a base image baked for busybox) is then part of every step's
// "before". It returns a row for the table, with the pulls as BEFORE.
func (r *Runner) Prepare(ctx context.Context, lesson string, images []string) Row {
	start := time.Now()
	row := Row{Lesson: lesson, Step: "(images)", Before: Phase{OK: true}, After: Phase{OK: true, Skipped: true},
		Cleanup: Phase{OK: true, Skipped: true}}
	for _, img := range images {
		if _, err := r.Engine.Image(ctx, img); err == nil {
			continue
		}
		sc := Script{Source: "docker pull " + shellquote.Join(img), File: lesson + " requires.images"}
		if err := r.script(ctx, "pull", sc); err != nil {
			row.Before = Phase{Detail: err.Error()}
			break
		}
	}
	row.Duration = time.Since(start)
	return row
}

// script runs a shell block with bash -e; an empty block does nothing.
func (r *Runner) script(ctx context.Context, what string, sc Script) error {
	if strings.TrimSpace(sc.Source) == "" {
		return nil
	}
	timeout := r.ScriptTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", sc.Source)
	cmd.Env, cmd.Dir = r.Env, r.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		err = fmt.Errorf("did not finish within %s", timeout)
	case errors.As(err, &ee):
		err = fmt.Errorf("exited with status %d", ee.ExitCode())
	}
	where := sc.File
	if sc.Line > 0 {
		where = fmt.Sprintf("%s:%d", sc.File, sc.Line)
	}
	return fmt.Errorf("%s (%s) %v:\n%s", what, where, err, tail(string(out), 8))
}

// tail keeps the last n lines of out, indented.
func tail(out string, n int) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return "    " + strings.Join(lines, "\n    ")
}

// required drops "left behind: image" lines for tags of the lesson's
// required images (any tag of the same repository: busybox:1.35 for busybox).
func required(diff []string, images []string) []string {
	repos := map[string]bool{}
	for _, ref := range images {
		repos[repository(ref)] = true
	}
	var out []string
	for _, d := range diff {
		if ref, ok := strings.CutPrefix(d, "left behind: image "); ok && repos[repository(ref)] {
			continue
		}
		out = append(out, d)
	}
	return out
}

// repository is ref's repository as Docker shows it; podman's localhost/
// prefix for local names is dropped.
func repository(ref string) string {
	r, err := imageref.ParseNormalized(ref)
	if err != nil {
		return ref
	}
	return strings.TrimPrefix(r.FamiliarName(), "localhost/")
}

// Failing plays a student who entered step s and runs `dockyard check`
// before doing anything: it runs the step's setup (not its solution),
// evaluates the checks with their retries, as the guided loop does, and
// runs the cleanup. The report is what the student would read; its
// durations are what they would wait.
func (r *Runner) Failing(ctx context.Context, s Step, progress func(string)) (checker.Report, error) {
	env := checker.Env{Engine: r.Engine, Quizzes: &answers{}, Lang: r.Lang, CommandEnv: r.Env, CommandDir: r.Dir,
		Progress: progress}
	defer r.leave()
	defer r.script(ctx, "cleanup", s.Cleanup)
	if err := r.enter(ctx, s); err != nil {
		return checker.Report{}, err
	}
	return checker.Evaluate(ctx, env, checker.ParseAll(s.Checks)), nil
}
