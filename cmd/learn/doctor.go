package learn

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/sandbox/engine"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/doctor"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/lessons/progress"
	"github.com/dockyard-lab/dockyard/sandbox/statecheck"
)

// DoctorOptions are the flags of `dockyard doctor`.
type DoctorOptions struct {
	Common
	// State checks the state root's invariants instead (an fsck);
	// Repair fixes what is safe to fix.
	State, Repair bool
}

// NewCmdDoctor builds `dockyard doctor`.
func NewCmdDoctor(f *factory.Factory, runF func(*DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{Common: Common{Factory: f}}
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that this machine is ready for the lessons",
		Long: `Check root, the kernel features containers need (overlayfs, cgroups,
namespaces, IP forwarding), the state folder, the engine, the lesson images,
the ports the lessons publish, the progress file and the lessons, and say
how to fix each problem. Exits 1 when there is a problem.

With --state, check the state root instead, as fsck checks a file system:
every image's config and layers, every container's record, name, monitor,
mounts and cgroups, the networks' addresses, bridges, veths and nftables
rules, the volumes, and leftover temporary files. Each problem is one line
naming the object and the fix; --repair fixes what is safe to fix (what the
engine would clean up at start-up) and reports what is left.`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			if opts.Repair && !opts.State {
				return &factory.FlagError{Err: errors.New("--repair needs --state")}
			}
			if opts.State {
				return doctorStateRun(cmd.Context(), opts)
			}
			return doctorRun(cmd.Context(), opts)
		},
	}
	addLessonsFlag(cmd, &opts.Common)
	cmd.Flags().BoolVar(&opts.State, "state", false, "Check the state root's invariants (images, containers, networks, volumes, mounts)")
	cmd.Flags().BoolVar(&opts.Repair, "repair", false, "With --state, fix the problems that are safe to fix")
	return cmd
}

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	f := opts.Factory
	lang, err := opts.Lang()
	if err != nil {
		return &factory.FlagError{Err: err}
	}
	t := i18n.For(lang)
	env := doctor.Env{
		T: t, Proc: "/proc", Sys: "/sys", EUID: os.Geteuid(), StateRoot: f.Root,
		Tools:   []string{"bash"},
		UpperFS: engine.CheckUpperFS,
		Baking: func() string {
			if st, running := engine.BakeStatus(f.Root); running {
				return st.Summary()
			}
			return ""
		},
	}
	course, err := LoadCourse(opts.Lessons)
	if err != nil {
		return err
	}
	env.Lessons = course.Len()
	env.LessonProblems = lessons.Lint(course, lessons.LintOptions{ValidateCheck: ValidateCheck}).Errors()
	for _, id := range course.IDs() {
		l, err := course.Lesson(id, lang)
		if err != nil {
			continue
		}
		env.Images = append(env.Images, l.Requires.Images...)
		env.Ports = append(env.Ports, l.Requires.Ports...)
	}
	env.Images, env.Ports = doctor.Unique(env.Images), doctor.Unique(env.Ports)

	path, owner, err := progress.Locate(os.Getenv)
	env.ProgressFile, env.ProgressErr = path, err
	if err == nil {
		_, rec, err := progress.Open(path, owner).Load()
		env.ProgressErr = err
		if rec != nil {
			env.ProgressErr = errors.New(t.T("progress.recovered", rec.Reason, rec.Backup))
		}
	}
	if env.EUID == 0 {
		env.Engine = func(ctx context.Context) error {
			_, err := f.Engine(ctx)
			return err
		}
		env.HasImage = func(ctx context.Context, ref string) (bool, error) {
			e, err := f.Engine(ctx)
			if err != nil {
				return false, err
			}
			_, err = e.Image(ctx, ref)
			if engine.KindOf(err) == engine.NotFound {
				return false, nil
			}
			return err == nil, err
		}
	}
	if doctor.Print(f.IOStreams.Out, t, doctor.Run(ctx, env), terminalWidth(f)) > 0 {
		return &factory.StatusError{Code: 1}
	}
	return nil
}

// doctorStateRun checks the state root, repairs with --repair, and prints
// every problem left, one a line.
func doctorStateRun(ctx context.Context, opts *DoctorOptions) error {
	f := opts.Factory
	out := f.IOStreams.Out
	if os.Geteuid() != 0 {
		return engine.ErrNeedsRoot
	}
	problems, err := statecheck.Check(ctx, f.Root, statecheck.DefaultOptions)
	if err != nil {
		return err
	}
	if opts.Repair && len(problems) > 0 {
		fixed, rerr := statecheck.Repair(ctx, problems)
		after, err := statecheck.Check(ctx, f.Root, statecheck.DefaultOptions)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "repaired %d of %d problems\n", fixed, len(problems))
		if rerr != nil {
			fmt.Fprintf(f.IOStreams.ErrOut, "repair: %v\n", rerr)
		}
		problems = after
	}
	for _, p := range problems {
		fmt.Fprintln(out, "✗ "+p.String())
	}
	if len(problems) > 0 {
		fmt.Fprintf(out, "%d problems in %s\n", len(problems), f.Root)
		return &factory.StatusError{Code: 1}
	}
	fmt.Fprintf(out, "✓ state root %s: no problems\n", f.Root)
	return nil
}

// ValidateCheck is the checker's parser in the form lessons.Lint takes:
// every problem of a check block, errors and warnings, with file:line.
func ValidateCheck(b lessons.CheckBlock) []lessons.Problem {
	c, err := checker.Parse(checker.Block{Source: b.Source, File: b.File, Line: b.Line})
	var out []lessons.Problem
	var perr *checker.ParseError
	switch {
	case errors.As(err, &perr):
		for _, p := range perr.Problems {
			out = append(out, lessons.Problem{File: p.File, Line: p.Line, Message: "check: " + p.Message})
		}
		return out
	case err != nil:
		return []lessons.Problem{{File: b.File, Line: b.Line, Message: "check: " + err.Error()}}
	}
	for _, w := range checker.Lint(c) {
		out = append(out, lessons.Problem{File: w.File, Line: w.Line, Message: "check: " + w.Message, Warning: true})
	}
	return out
}
