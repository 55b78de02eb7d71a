package learn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/backend"
	"github.com/dockyard-lab/dockyard/checker/dockyard"
	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/lessons/guide"
)

// CheckOptions are the flags of `dockyard check`.
type CheckOptions struct {
	Common
	JSON bool
}

// NewCmdCheck builds `dockyard check [--json]`.
func NewCmdCheck(f *factory.Factory, runF func(*CheckOptions) error) *cobra.Command {
	opts := &CheckOptions{Common: Common{Factory: f}}
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the current step and move on when it passes",
		Long: `Check the current step against the real state of the engine (and your
answers). Every failed check says what was expected, what was found and a
hint. When all pass, the step is recorded as done and the next one shown.
With --json, print the checker's report (Exercism's results.json, version 2)
instead, for graders; the exit status is 0 only when the step passed.`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return checkRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a machine-readable report")
	addLessonsFlag(cmd, &opts.Common)
	addEngineFlag(cmd, &opts.Common)
	return cmd
}

func checkRun(ctx context.Context, opts *CheckOptions) error {
	if !opts.JSON {
		return opts.run(func(s *session) error { return s.Check(ctx) })
	}
	wrote := false
	err := opts.run(func(s *session) error {
		rep, err := s.CheckReport(ctx)
		if err != nil {
			return err
		}
		wrote = true
		if err := writeReport(opts, rep.JSON); err != nil {
			return err
		}
		if rep.Status != guide.Pass {
			return guide.ErrNotPassed
		}
		return nil
	})
	if err != nil && !wrote {
		// No step could be checked (no lesson started, the lessons or the
		// progress unreadable): a grader still gets a report, with why.
		if werr := writeReport(opts, checker.Report{Version: 2, Status: checker.Error,
			Message: reportMessage(err), Tests: []checker.Result{}}); werr != nil {
			return werr
		}
	}
	return err
}

// writeReport prints a report as `check --json` does.
func writeReport(opts *CheckOptions, rep any) error {
	enc := json.NewEncoder(opts.Factory.IOStreams.Out)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

// reportMessage is err as the student reads it, without the "Error: "
// that stderr shows before it.
func reportMessage(err error) string {
	var usage *guide.ErrUsage
	if errors.As(err, &usage) {
		return usage.Message
	}
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 && i < 12 && !strings.Contains(msg[:i], " ") {
		// "Error: ..." or "오류: ...", the loop's prefix.
		return msg[i+2:]
	}
	return msg
}

func addEngineFlag(cmd *cobra.Command, c *Common) {
	cmd.Flags().StringVar(&c.Engine, "engine", "", backend.FlagUsage)
}

// engineChecker evaluates a step with package checker against the engine
// --engine names (Dockyard's own by default), opened only when a check
// needs it.
type engineChecker struct {
	f    *factory.Factory
	spec string
}

// Check implements guide.Checker.
func (c *engineChecker) Check(ctx context.Context, req guide.CheckRequest) (guide.Report, error) {
	blocks := make([]checker.Block, len(req.Step.Checks))
	for i, b := range req.Step.Checks {
		blocks[i] = checker.Block{Source: b.Source, File: b.File, Line: b.Line}
	}
	rep := checker.Evaluate(ctx, checker.Env{
		Engine:     &lazyEngine{ctx: ctx, f: c.f, spec: c.spec},
		Quizzes:    req.Quizzes,
		Lang:       req.Lang,
		NoRetry:    req.Quick,
		CommandEnv: req.Env,
		CommandDir: req.Dir,
		Step:       req.Lesson.ID + "/" + req.Step.ID,
		// A check that waits for a container to start says so, on one
		// line, so the student knows why the answer takes a moment.
		Progress: func(line string) { fmt.Fprintln(c.f.IOStreams.ErrOut, line) },
		Debug:    c.f.Debug,
	}, checker.ParseAll(blocks))
	out := guide.Report{Status: guide.Status(rep.Status), Message: rep.Message, JSON: rep}
	for _, t := range rep.Tests {
		msg := t.Message
		if t.Debug != "" {
			msg += "\n" + t.Debug
		}
		out.Results = append(out.Results, guide.Result{Name: t.Name, Status: guide.Status(t.Status), Message: msg})
	}
	return out, nil
}

// DockyardEngine gives the checker its view of Dockyard's own engine
// (checker/dockyard on f.Engine); a test or another build may replace it.
var DockyardEngine = openDockyard

// openDockyard opens Dockyard's own engine for the checker.
func openDockyard(ctx context.Context, f *factory.Factory) (checker.Engine, error) {
	e, err := f.Engine(ctx)
	if err != nil {
		return nil, err
	}
	return dockyard.New(e), nil
}

// lazyEngine opens the engine on first use, so steps whose checks do not
// need it (quiz, file, command) work without root or an engine.
type lazyEngine struct {
	ctx  context.Context
	f    *factory.Factory
	spec string
	once sync.Once
	e    checker.Engine
	err  error
}

func (l *lazyEngine) get() (checker.Engine, error) {
	l.once.Do(func() {
		l.e, l.err = backend.Open(l.ctx, backend.Resolve(l.spec), func(ctx context.Context) (checker.Engine, error) {
			return DockyardEngine(ctx, l.f)
		})
	})
	return l.e, l.err
}

func (l *lazyEngine) Image(ctx context.Context, ref string) (*checker.Image, error) {
	e, err := l.get()
	if err != nil {
		return nil, err
	}
	return e.Image(ctx, ref)
}

func (l *lazyEngine) Container(ctx context.Context, name string) (*checker.Container, error) {
	e, err := l.get()
	if err != nil {
		return nil, err
	}
	return e.Container(ctx, name)
}

func (l *lazyEngine) Containers(ctx context.Context) ([]checker.Container, error) {
	e, err := l.get()
	if err != nil {
		return nil, err
	}
	return e.Containers(ctx)
}

func (l *lazyEngine) Network(ctx context.Context, name string) (*checker.Network, error) {
	e, err := l.get()
	if err != nil {
		return nil, err
	}
	return e.Network(ctx, name)
}

func (l *lazyEngine) Volume(ctx context.Context, name string) (*checker.Volume, error) {
	e, err := l.get()
	if err != nil {
		return nil, err
	}
	return e.Volume(ctx, name)
}

func (l *lazyEngine) Images(ctx context.Context) ([]string, error) {
	e, err := l.get()
	if err != nil {
		return nil, err
	}
	return e.Images(ctx)
}

func (l *lazyEngine) Networks(ctx context.Context) ([]string, error) {
	e, err := l.get()
	if err != nil {
		return nil, err
	}
	return e.Networks(ctx)
}

func (l *lazyEngine) Volumes(ctx context.Context) ([]string, error) {
	e, err := l.get()
	if err != nil {
		return nil, err
	}
	return e.Volumes(ctx)
}

func (l *lazyEngine) Exec(ctx context.Context, container string, cmd []string, user string) (checker.ExecResult, error) {
	e, err := l.get()
	if err != nil {
		return checker.ExecResult{}, err
	}
	return e.Exec(ctx, container, cmd, user)
}

func (l *lazyEngine) ReadVolumeFile(ctx context.Context, volume, path string) ([]byte, error) {
	e, err := l.get()
	if err != nil {
		return nil, err
	}
	return e.ReadVolumeFile(ctx, volume, path)
}

func (l *lazyEngine) Dial(ctx context.Context, container, network, addr string) (net.Conn, error) {
	e, err := l.get()
	if err != nil {
		return nil, err
	}
	return e.Dial(ctx, container, network, addr)
}

// LastVMRun and LastBuild forward to the engine opened, so vm and build
// checks read Dockyard's records through the lazy engine too; an engine
// that keeps none makes them checks that cannot be made.
func (l *lazyEngine) LastVMRun(ctx context.Context) (*checker.VMRun, error) {
	e, err := l.get()
	if err != nil {
		return nil, err
	}
	vms, ok := e.(checker.VMRuns)
	if !ok {
		return nil, checker.ErrUnrecorded
	}
	return vms.LastVMRun(ctx)
}

func (l *lazyEngine) LastBuild(ctx context.Context) (*checker.Build, error) {
	e, err := l.get()
	if err != nil {
		return nil, err
	}
	builds, ok := e.(checker.Builds)
	if !ok {
		return nil, checker.ErrUnrecorded
	}
	return builds.LastBuild(ctx)
}
