package learn

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/lessons/guide"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// LearnOptions are the flags of `dockyard learn`.
type LearnOptions struct {
	Common
	Lesson   string
	Watch    bool
	Interval time.Duration
}

// NewCmdLearn builds `dockyard learn [lesson] [--watch]`.
func NewCmdLearn(f *factory.Factory, runF func(*LearnOptions) error) *cobra.Command {
	opts := &LearnOptions{Common: Common{Factory: f}}
	cmd := &cobra.Command{
		Use:   "learn [lesson]",
		Short: "Start or continue a lesson",
		Long: `Start or continue a lesson. Without a lesson, choose one from a menu (on a
terminal) or see the list. The current step is shown; do it in your shell,
then run "dockyard check", which also asks the step's questions. With
--watch, dockyard checks the step every few seconds and moves on by itself
when it passes.

The lessons are in English or Korean: --lang en or --lang ko chooses, and
the choice is kept for later commands until you choose again. With no
choice made, DOCKYARD_LANG, then the locale (LC_ALL, LC_MESSAGES, LANG)
decides.`,
		Example: "  dockyard learn\n  dockyard learn containers\n  dockyard learn --watch\n  dockyard --lang ko learn",
		Args:    cli.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Lesson = args[0]
			}
			if opts.Interval <= 0 {
				return &factory.FlagError{Err: fmt.Errorf("--interval must be positive, e.g. 3s")}
			}
			if runF != nil {
				return runF(opts)
			}
			return learnRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Watch, "watch", "w", false, "check the current step repeatedly and move on when it passes")
	cmd.Flags().DurationVar(&opts.Interval, "interval", 3*time.Second, "time between checks in watch mode")
	addLessonsFlag(cmd, &opts.Common)
	addEngineFlag(cmd, &opts.Common)
	return cmd
}

func learnRun(ctx context.Context, opts *LearnOptions) error {
	// While the lesson images bake, say how far in one line: the first
	// steps need no image, later ones wait for theirs.
	if st, running := engine.BakeStatus(opts.Factory.Root); running {
		if sum := st.Summary(); sum != "" {
			defer fmt.Fprintf(opts.Factory.IOStreams.ErrOut, "(%s; \"dockyard doctor\" shows it too)\n", sum)
		}
	}
	return opts.run(func(s *session) error {
		s.LangNote()
		if !opts.Watch {
			return s.Learn(ctx, opts.Lesson)
		}
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
		defer stop()
		s.Changed = newChanges(opts.Factory.Root, s.Dir, s.Store.Path()).Changed
		return s.Watch(ctx, opts.Lesson, opts.Interval)
	})
}

// MoveOptions are the flags of next, prev and step.
type MoveOptions struct {
	Common
	// To is "next", "prev" or a step number.
	To string
}

// NewCmdNext builds `dockyard next`.
func NewCmdNext(f *factory.Factory, runF func(*MoveOptions) error) *cobra.Command {
	return newMoveCmd(f, runF, "next", "Go to the next step", "next")
}

// NewCmdPrev builds `dockyard prev`.
func NewCmdPrev(f *factory.Factory, runF func(*MoveOptions) error) *cobra.Command {
	return newMoveCmd(f, runF, "prev", "Go back to the previous step", "prev")
}

// NewCmdStep builds `dockyard step N`.
func NewCmdStep(f *factory.Factory, runF func(*MoveOptions) error) *cobra.Command {
	return newMoveCmd(f, runF, "step N", "Go to step N of the current lesson", "")
}

func newMoveCmd(f *factory.Factory, runF func(*MoveOptions) error, use, short, to string) *cobra.Command {
	opts := &MoveOptions{Common: Common{Factory: f}, To: to}
	args := cli.NoArgs
	if to == "" {
		args = cli.ExactArgs(1)
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Args: args,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.To = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return moveRun(cmd.Context(), opts)
		},
	}
	addLessonsFlag(cmd, &opts.Common)
	return cmd
}

func moveRun(ctx context.Context, opts *MoveOptions) error {
	return opts.run(func(s *session) error {
		switch opts.To {
		case "next":
			return s.Next(ctx)
		case "prev":
			return s.Prev(ctx)
		}
		n, ok := stepNumber(opts.To)
		if !ok {
			return &guide.ErrUsage{Message: s.T("error.step-number", opts.To)}
		}
		return s.Goto(ctx, n)
	})
}

// HintOptions are the flags of `dockyard hint`.
type HintOptions struct{ Common }

// NewCmdHint builds `dockyard hint`.
func NewCmdHint(f *factory.Factory, runF func(*HintOptions) error) *cobra.Command {
	opts := &HintOptions{Common{Factory: f}}
	cmd := &cobra.Command{
		Use: "hint", Short: "Show the next hint for the current step", Args: cli.NoArgs,
		Long: `Show the next hint for the current step, then what the step's checks find
now, so that a step done another way than the lesson's (and how to start it
again with "dockyard reset --step") shows.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return opts.run(func(s *session) error { return s.Hint(cmd.Context()) })
		},
	}
	addLessonsFlag(cmd, &opts.Common)
	addEngineFlag(cmd, &opts.Common)
	return cmd
}

// AnswerOptions are the arguments of `dockyard answer`.
type AnswerOptions struct {
	Common
	Quiz    string
	Choices []int
}

// NewCmdAnswer builds `dockyard answer <quiz-id> <choice...>`.
func NewCmdAnswer(f *factory.Factory, runF func(*AnswerOptions) error) *cobra.Command {
	opts := &AnswerOptions{Common: Common{Factory: f}}
	cmd := &cobra.Command{
		Use:   "answer <question-id> <choice>...",
		Short: "Answer a lesson's question by the numbers of your choices",
		Long: `Answer a lesson's question without a menu (for scripts and terminals without
one): give the question's id and the numbers of your choices. The step
shows the id under each question ("dockyard answer <id> <number...>");
"dockyard step N" shows the step again. The choices are numbered from 1
as the step lists them; a question that says "choose all that apply"
takes several. Then run "dockyard check".`,
		Example: "  dockyard answer <question-id> 2\n  dockyard answer <question-id> 1 3",
		Args:    cli.MinArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Quiz = args[0]
			for _, a := range args[1:] {
				n, err := strconv.Atoi(a)
				if err != nil {
					return &factory.FlagError{Err: fmt.Errorf("choice %q is not a number: give the numbers of your choices, e.g. 2", a)}
				}
				opts.Choices = append(opts.Choices, n)
			}
			if runF != nil {
				return runF(opts)
			}
			return opts.runPlain(func(s *session) error { return s.Answer(opts.Quiz, opts.Choices) })
		},
	}
	addLessonsFlag(cmd, &opts.Common)
	return cmd
}

// SolveOptions are the flags of `dockyard solve`.
type SolveOptions struct{ Common }

// NewCmdSolve builds `dockyard solve`.
func NewCmdSolve(f *factory.Factory, runF func(*SolveOptions) error) *cobra.Command {
	opts := &SolveOptions{Common{Factory: f}}
	cmd := &cobra.Command{
		Use:   "solve",
		Short: "Run the current step's reference solution",
		Long: `Run the current step's reference solution, check the step, and mark it solved
with help. When what you did went another way than the step's (a container
stopped where the step kills it), the solution may not fit any more: then
"dockyard reset --step" starts the step again.`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return opts.run(func(s *session) error { return s.Solve(cmd.Context()) })
		},
	}
	addLessonsFlag(cmd, &opts.Common)
	addEngineFlag(cmd, &opts.Common)
	return cmd
}

// ResetOptions are the flags of `dockyard reset`.
type ResetOptions struct {
	Common
	Scope guide.Scope
	// Wipe empties the engine after --all.
	Wipe bool
}

// NewCmdReset builds `dockyard reset [--step|--lesson|--all]`.
func NewCmdReset(f *factory.Factory, runF func(*ResetOptions) error) *cobra.Command {
	opts := &ResetOptions{Common: Common{Factory: f}}
	var step, lesson, all bool
	cmd := &cobra.Command{
		Use:   "reset [--step | --lesson | --all]",
		Short: "Undo a step, a lesson or everything and start it again",
		Long: `Undo the current step (the default), every step of the current lesson
(--lesson) or every lesson you started (--all), and forget their progress:
what was created in Dockyard's engine while they were current (containers,
networks, volumes, built images, labelled dockyard.step and dockyard.lesson)
is removed, whichever terminal created it, and their cleanup runs. Another
lesson's containers stay. With --all --wipe, also remove every container,
network and volume from Dockyard's engine (images stay), whoever made them.`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Wipe && !all {
				return &factory.FlagError{Err: fmt.Errorf("--wipe goes with --all: dockyard reset --all --wipe")}
			}
			switch {
			case all:
				opts.Scope = guide.ScopeAll
			case lesson:
				opts.Scope = guide.ScopeLesson
			default:
				opts.Scope = guide.ScopeStep
			}
			if runF != nil {
				return runF(opts)
			}
			return opts.run(func(s *session) error {
				if err := s.Reset(cmd.Context(), opts.Scope); err != nil || !opts.Wipe {
					return err
				}
				if os.Geteuid() != 0 {
					fmt.Fprintln(f.IOStreams.ErrOut, s.T("reset.engine.skip"))
					return nil
				}
				c, n, v, err := wipeEngine(cmd.Context(), f.Root)
				if err != nil {
					fmt.Fprintln(f.IOStreams.ErrOut, s.T("reset.engine.failed", err))
				}
				fmt.Fprintln(f.IOStreams.Out, s.T("reset.engine", c, n, v))
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&step, "step", false, "reset the current step (the default)")
	cmd.Flags().BoolVar(&lesson, "lesson", false, "reset the whole current lesson")
	cmd.Flags().BoolVar(&all, "all", false, "reset every lesson and all progress")
	cmd.Flags().BoolVar(&opts.Wipe, "wipe", false, "with --all: also empty Dockyard's engine of containers, networks and volumes")
	cmd.MarkFlagsMutuallyExclusive("step", "lesson", "all")
	addLessonsFlag(cmd, &opts.Common)
	return cmd
}

// ProgressOptions are the flags of `dockyard progress`.
type ProgressOptions struct{ Common }

// NewCmdProgress builds `dockyard progress`.
func NewCmdProgress(f *factory.Factory, runF func(*ProgressOptions) error) *cobra.Command {
	opts := &ProgressOptions{Common{Factory: f}}
	cmd := &cobra.Command{
		Use: "progress", Short: "Show the lessons and the steps you have done", Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return opts.runPlain(func(s *session) error { return s.ShowProgress() })
		},
	}
	addLessonsFlag(cmd, &opts.Common)
	return cmd
}

// newCmdPrompt builds the hidden `dockyard __prompt`, which `dockyard
// shell` calls to show the lesson and step in the prompt.
func newCmdPrompt(f *factory.Factory) *cobra.Command {
	c := &Common{Factory: f}
	return &cobra.Command{
		Use: "__prompt", Hidden: true, Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := c.newSession(false)
			if err != nil {
				return nil // a prompt never fails loudly
			}
			defer s.Close()
			where := strings.TrimSpace(s.Where())
			// While the lesson images bake, the prompt says how far.
			if st, running := engine.BakeStatus(f.Root); running {
				if short := st.Short(); short != "" {
					where = strings.TrimSpace(where + " · " + short)
				}
			}
			fmt.Fprintln(f.IOStreams.Out, where)
			return nil
		},
	}
}
