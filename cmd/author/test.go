package author

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/backend"
	"github.com/dockyard-lab/dockyard/checker/dockyard"
	"github.com/dockyard-lab/dockyard/checker/reftest"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/learn"
	"github.com/dockyard-lab/dockyard/content"
	"github.com/dockyard-lab/dockyard/lessons"
)

func init() {
	subcommands = append(subcommands, func(f *factory.Factory) *cobra.Command { return NewCmdTest(f, nil) })
}

// TestOptions are the arguments of `dockyard author test`.
type TestOptions struct {
	IO *factory.Factory
	// Lessons are built-in lesson ids or paths (a course folder, a lesson
	// folder or file); none means every built-in lesson.
	Lessons []string
	// Engine is --engine (see checker/backend).
	Engine string
	// Lang is the language whose lesson file is run.
	Lang string
	// ScriptTimeout bounds each setup, solution and cleanup block.
	ScriptTimeout time.Duration
	// Course walks the lessons in menu order on one engine as a student
	// does: setup, checks fail, solution, checks pass, and no cleanup
	// until the end (reftest.Runner.Walk).
	Course bool

	// DockerDir, when set, is put first on PATH instead of a `docker`
	// symlink to this binary (tests point it at a podman shim).
	DockerDir string
	// ExtraEnv is added to the scripts' environment.
	ExtraEnv []string
	// OpenDockyard opens Dockyard's engine for the checks.
	OpenDockyard func(context.Context) (checker.Engine, error)
}

// NewCmdTest builds `dockyard author test [lesson...]`.
func NewCmdTest(f *factory.Factory, runF func(*TestOptions) error) *cobra.Command {
	opts := &TestOptions{IO: f, OpenDockyard: OpenDockyard(f)}
	cmd := &cobra.Command{
		Use:   "test [lesson...]",
		Short: "Run each step's reference solution and prove its checks",
		Long: `For every step of the lessons: run its setup, check that the step's checks
fail, run its solution, check that they pass, run its cleanup and check
that the engine holds the same containers, images, networks and volumes as
before the step. Prints one row per step and exits 1 if any step failed.

Shell blocks run with bash -e, with "docker" on PATH meaning the engine
under test: Dockyard's own (a docker symlink to this binary), or with
--engine a Docker Engine API (the docker command on PATH, DOCKER_HOST set).

A lesson is a built-in lesson id, a lesson folder, or a folder of lessons;
without one, every built-in lesson. A folder that lint finds errors in is
refused before anything runs, with the errors.

With --course, the lessons are walked in menu order on one engine as a
student walks them: each step's setup, its checks (which must fail), its
solution and its checks (which must pass), with no cleanup between steps or
lessons, so a step that passes on what an earlier lesson left is caught.
The cleanups run at the end, last step first, and the engine must then be
as it was before the first step.`,
		Example: "  dockyard author test\n  dockyard author test --course\n  dockyard author test containers volumes\n  dockyard author test ./my-lessons/web --engine unix:///run/podman/podman.sock",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Lessons = args
			if opts.Lang == "" {
				opts.Lang = f.Lang
			}
			if runF != nil {
				return runF(opts)
			}
			return testRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Engine, "engine", "", backend.FlagUsage)
	cmd.Flags().BoolVar(&opts.Course, "course", false, "walk the lessons in course order without cleaning up between steps")
	cmd.Flags().DurationVar(&opts.ScriptTimeout, "script-timeout", 5*time.Minute, "longest a setup, solution or cleanup block may run")
	return cmd
}

// OpenDockyard opens Dockyard's engine (on the factory's state root) as a
// checker.Engine.
func OpenDockyard(f *factory.Factory) func(context.Context) (checker.Engine, error) {
	return func(ctx context.Context) (checker.Engine, error) {
		e, err := f.Engine(ctx)
		if err != nil {
			return nil, err
		}
		return dockyard.New(e), nil
	}
}

func testRun(ctx context.Context, opts *TestOptions) error {
	steps, err := loadSteps(opts.Lessons, opts.Lang)
	if err != nil {
		return err
	}
	spec := backend.Resolve(opts.Engine)
	eng, err := backend.Open(ctx, spec, opts.OpenDockyard)
	if err != nil {
		return err
	}
	env, cleanup, err := scriptEnv(opts, spec)
	if err != nil {
		return err
	}
	defer cleanup()
	dir, err := os.MkdirTemp("", "dockyard-author-test")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	r := &reftest.Runner{Engine: eng, Env: env, Dir: dir, Lang: opts.Lang, ScriptTimeout: opts.ScriptTimeout}
	if spec == backend.Dockyard {
		r.Root = opts.IO.Root
	}
	var start checker.Snapshot
	if opts.Course {
		if start, err = checker.Take(ctx, eng); err != nil {
			return fmt.Errorf("read the engine before the course: %w", err)
		}
	}

	// Widths are known before any step runs, so each row prints as soon
	// as its step is done and the table still lines up.
	lw, sw := len("LESSON"), len("(cleanup)")
	for _, s := range steps {
		lw, sw = max(lw, len(s.Lesson)), max(sw, len(s.ID))
	}
	io := opts.IO.IOStreams
	fmt.Fprintf(io.Out, "%-*s  %-*s  %-6s  %-5s  %-7s  %s\n", lw, "LESSON", sw, "STEP", "BEFORE", "AFTER", "CLEANUP", "TIME")
	var failed []reftest.Row
	prepared := map[string]bool{}
	for _, s := range steps {
		if !prepared[s.Lesson] && len(s.Images) > 0 {
			prepared[s.Lesson] = true
			if row := r.Prepare(ctx, s.Lesson, s.Images); !row.OK() {
				fmt.Fprintf(io.Out, "%-*s  %-*s  %-6s  %-5s  %-7s  %.1fs\n", lw, row.Lesson, sw, row.Step,
					row.Before, row.After, row.Cleanup, row.Duration.Seconds())
				failed = append(failed, row)
			}
		}
		var row reftest.Row
		if opts.Course {
			row = r.Walk(ctx, s)
		} else {
			row = r.Run(ctx, s)
		}
		fmt.Fprintf(io.Out, "%-*s  %-*s  %-6s  %-5s  %-7s  %.1fs\n", lw, row.Lesson, sw, row.Step,
			row.Before, row.After, row.Cleanup, row.Duration.Seconds())
		if !row.OK() {
			failed = append(failed, row)
		}
	}
	if opts.Course {
		row := r.Unwind(ctx, steps, start)
		fmt.Fprintf(io.Out, "%-*s  %-*s  %-6s  %-5s  %-7s  %.1fs\n", lw, row.Lesson, sw, row.Step,
			row.Before, row.After, row.Cleanup, row.Duration.Seconds())
		if !row.OK() {
			failed = append(failed, row)
		}
	}
	for _, row := range failed {
		fmt.Fprintf(io.Out, "\n%s/%s:\n", row.Lesson, row.Step)
		for _, ph := range []struct {
			name string
			p    reftest.Phase
		}{{"before", row.Before}, {"after", row.After}, {"cleanup", row.Cleanup}} {
			if !ph.p.OK && !ph.p.Skipped {
				fmt.Fprintf(io.Out, "  %s: %s\n", ph.name, indent(ph.p.Detail))
			}
		}
	}
	if len(failed) > 0 {
		return &factory.StatusError{Code: 1, Message: fmt.Sprintf("%d of %d steps failed", len(failed), len(steps))}
	}
	fmt.Fprintf(io.ErrOut, "%s passed\n", count(len(steps), "step"))
	return nil
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n    ") }

// scriptEnv is the environment of the lesson's scripts: `docker` means the
// engine under test, `dockyard` is this binary (solutions answer quizzes
// with `dockyard answer`), and progress goes to a throw-away state dir so
// the instructor's own is untouched.
func scriptEnv(opts *TestOptions, spec string) ([]string, func(), error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("find dockyard's own binary: %w", err)
	}
	dir, err := os.MkdirTemp("", "dockyard-author-test")
	if err != nil {
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(dir) }
	bin := filepath.Join(dir, "bin")
	links := []string{"dockyard"}
	if spec == backend.Dockyard && opts.DockerDir == "" {
		links = append(links, "docker")
	}
	for _, l := range links {
		if err := os.MkdirAll(bin, 0o755); err == nil {
			err = os.Symlink(self, filepath.Join(bin, l))
		}
		if err != nil {
			cleanup()
			return nil, nil, err
		}
	}
	env := append(os.Environ(), opts.ExtraEnv...)
	env = append(env, "XDG_STATE_HOME="+filepath.Join(dir, "state"), "DOCKYARD_ROOT="+opts.IO.Root)
	path := bin + ":" + os.Getenv("PATH")
	if opts.DockerDir != "" {
		path = opts.DockerDir + ":" + path
	}
	if spec != backend.Dockyard {
		env = append(env, "DOCKER_HOST="+spec)
	}
	return append(env, "PATH="+path), cleanup, nil
}

// loadSteps reads the lessons args name (ids of built-in lessons or paths)
// and returns their steps in course order.
func loadSteps(args []string, lang string) ([]reftest.Step, error) {
	type pick struct {
		course *lessons.Course
		ids    []string
	}
	var picks []pick
	builtin, err := lessons.Load(lessons.Source{FS: content.Lessons(), Name: "content/lessons"})
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		picks = append(picks, pick{builtin, builtin.IDs()})
	}
	for _, a := range args {
		if _, err := os.Stat(a); err == nil {
			c, only, err := loadForLint(a)
			if err != nil {
				return nil, err
			}
			if only == nil {
				only = c.IDs()
			}
			if err := lintErrors(c, only, builtin, a); err != nil {
				return nil, err
			}
			picks = append(picks, pick{c, only})
			continue
		}
		if builtin.Files(a) == nil {
			return nil, fmt.Errorf("no lesson %q: give a built-in lesson (%s) or a lesson folder", a, strings.Join(builtin.IDs(), ", "))
		}
		picks = append(picks, pick{builtin, []string{a}})
	}
	var steps []reftest.Step
	for _, p := range picks {
		for _, id := range p.ids {
			l, err := p.course.Lesson(id, lang)
			if err != nil {
				return nil, err
			}
			for _, st := range l.Steps {
				s := reftest.Step{Lesson: id, ID: st.ID,
					Setup:    reftest.Script{Source: st.Setup.Source, File: l.File, Line: st.Setup.Line},
					Solution: reftest.Script{Source: st.Solution.Source, File: l.File, Line: st.Solution.Line},
					Cleanup:  reftest.Script{Source: st.Cleanup.Source, File: l.File, Line: st.Cleanup.Line},
					Images:   l.Requires.Images}
				for _, b := range st.Checks {
					s.Checks = append(s.Checks, checker.Block{Source: b.Source, File: b.File, Line: b.Line})
				}
				steps = append(steps, s)
			}
		}
	}
	return steps, nil
}

// lintErrors refuses a lesson folder that lint finds errors in (a missing
// translation, a check block that does not parse, ...): its steps would
// run and pass, and the lesson still could not be used. The error lists
// every one as file:line: message, as lint prints them. The built-in
// lessons are linted by their own test.
func lintErrors(c *lessons.Course, only []string, builtin *lessons.Course, path string) error {
	probs := lessons.Lint(c, lessons.LintOptions{
		ValidateCheck: learn.ValidateCheck,
		KnownLesson:   func(id string) bool { return builtin.Files(id) != nil },
		Only:          only,
	})
	var errs []string
	for _, p := range probs {
		if !p.Warning {
			errs = append(errs, p.String())
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%s\n%s: fix the lesson first (dockyard author lint %s shows every problem)", strings.Join(errs, "\n"), count(len(errs), "lint error"), path)
}
