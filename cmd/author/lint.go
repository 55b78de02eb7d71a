package author

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/learn"
	"github.com/dockyard-lab/dockyard/content"
	"github.com/dockyard-lab/dockyard/docs"
	"github.com/dockyard-lab/dockyard/lessons"
)

func init() {
	subcommands = append(subcommands, func(f *factory.Factory) *cobra.Command { return NewCmdLint(f, nil) })
}

// LintOptions are the arguments of `dockyard author lint`.
type LintOptions struct {
	IO *factory.Factory
	// Path is a course folder, one lesson's folder, or one lesson file;
	// empty means the built-in lessons.
	Path string
	// Strict makes warnings fail too.
	Strict bool
}

// NewCmdLint builds `dockyard author lint [path]`.
func NewCmdLint(f *factory.Factory, runF func(*LintOptions) error) *cobra.Command {
	opts := &LintOptions{IO: f}
	cmd := &cobra.Command{
		Use:   "lint [path]",
		Short: "Check lessons for mistakes, every problem at once, with file:line",
		Long: `Check lessons: front matter, steps and their ids, hints, quiz questions,
check blocks (with the checker's own parser), setup/solution/cleanup blocks,
required lessons, and that every language has the same steps, checks,
questions and scripts. Every problem is printed as file:line: message.

The path is a folder of lessons (like content/lessons), one lesson's folder,
or one lesson file; without it, the lessons built into dockyard. Exits 1
when there is an error (or, with --strict, a warning).`,
		Example: "  dockyard author lint content/lessons\n  dockyard author lint content/lessons/postgres\n  dockyard author lint ./my-lessons --strict",
		Args:    cli.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Path = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return lintRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Strict, "strict", false, "fail on warnings too")
	return cmd
}

func lintRun(opts *LintOptions) error {
	course, only, err := loadForLint(opts.Path)
	if err != nil {
		return err
	}
	builtin, _ := lessons.Load(lessons.Source{FS: content.Lessons(), Name: "content/lessons"})
	glossary, err := lessons.ParseGlossary(docs.Authoring)
	if err != nil {
		return fmt.Errorf("read the Korean glossary of docs/authoring.md: %w", err)
	}
	probs := lessons.Lint(course, lessons.LintOptions{
		ValidateCheck: learn.ValidateCheck,
		KnownLesson:   func(id string) bool { return builtin != nil && builtin.Files(id) != nil },
		Only:          only,
		Glossary:      glossary,
	})
	out := opts.IO.IOStreams
	for _, p := range probs {
		fmt.Fprintln(out.Out, p)
	}
	errs := probs.Errors()
	warns := len(probs) - errs
	lessonCount := course.Len()
	if len(only) > 0 {
		lessonCount = len(only)
	}
	fmt.Fprintf(out.ErrOut, "%s, %s, %s\n", count(lessonCount, "lesson"), count(errs, "error"), count(warns, "warning"))
	if errs > 0 || (opts.Strict && warns > 0) {
		return &factory.StatusError{Code: 1}
	}
	return nil
}

// loadForLint reads what path names. A lesson folder or file is read with
// its siblings, so `requires` can name them, and only it is reported.
func loadForLint(path string) (*lessons.Course, []string, error) {
	if path == "" {
		c, err := lessons.Load(lessons.Source{FS: content.Lessons(), Name: "content/lessons"})
		return c, nil, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("lint %s: %w", path, errors.Unwrap(err))
	}
	path = filepath.Clean(path)
	if !info.IsDir() {
		path = filepath.Dir(path)
	}
	files, _ := fs.Glob(os.DirFS(path), "lesson.*.md")
	if len(files) > 0 {
		parent := filepath.Dir(path)
		c, err := lessons.Load(lessons.Source{FS: os.DirFS(parent), Name: parent})
		return c, []string{filepath.Base(path)}, err
	}
	c, err := lessons.Load(lessons.Source{FS: os.DirFS(path), Name: path})
	if err == nil && c.Len() == 0 {
		return nil, nil, fmt.Errorf("lint %s: no lessons here (a lesson is a folder with lesson.en.md and lesson.ko.md)", path)
	}
	return c, nil, err
}

// count is "1 lesson", "2 lessons".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
