// Package learn holds the student's commands of the guided loop: learn,
// next, prev, step, hint, check, answer, solve, reset, progress, doctor and
// shell. Each parses its flags into an options struct and calls one method
// of lessons/guide.
package learn

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/AlecAivazis/survey/v2/terminal"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/content"
	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/guide"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/lessons/progress"
	"github.com/dockyard-lab/dockyard/lessons/shell"
)

// LessonsEnv names the variable that says where lessons come from, like
// --lessons.
const LessonsEnv = "DOCKYARD_LESSONS"

// Builtin is the --lessons entry meaning the lessons built into dockyard.
const Builtin = "builtin"

// Commands returns the guided loop's top-level commands, for the root
// command to add.
func Commands(f *factory.Factory) []*cobra.Command {
	return []*cobra.Command{
		NewCmdLearn(f, nil), NewCmdNext(f, nil), NewCmdPrev(f, nil), NewCmdStep(f, nil),
		NewCmdHint(f, nil), NewCmdCheck(f, nil), NewCmdAnswer(f, nil), NewCmdSolve(f, nil),
		NewCmdReset(f, nil), NewCmdProgress(f, nil), NewCmdDoctor(f, nil), NewCmdShell(f, nil),
		newCmdPrompt(f),
	}
}

// Common are the settings every loop command shares.
type Common struct {
	Factory *factory.Factory
	// Lessons is the --lessons value: folders separated by ':', and the
	// word "builtin" for the lessons built into dockyard.
	Lessons string
	// Engine is the --engine value of commands that check: the engine the
	// checks read (see checker/backend).
	Engine string
}

func addLessonsFlag(cmd *cobra.Command, c *Common) {
	cmd.Flags().StringVar(&c.Lessons, "lessons", "", `lesson folders to use, separated by ":"; "builtin" adds the built-in lessons (env `+LessonsEnv+`)`)
}

// Lang resolves the student's language: --lang, else $DOCKYARD_LANG, else
// the language last chosen that way (kept in the progress file, so that
// "dockyard --lang ko learn" is followed by Korean checks and hints), else
// the locale (LC_ALL, LC_MESSAGES, LANG), else English.
func (c *Common) Lang() (string, error) { return c.lang(true) }

// HelpLang is the language f's command line asks for, as Lang chooses it
// but without remembering a --lang (showing a help changes nothing), and
// English for a --lang that is no language: the language of the help.
func HelpLang(f *factory.Factory) string {
	lang, err := (&Common{Factory: f}).lang(false)
	if err != nil {
		return i18n.Default
	}
	return lang
}

// lang is Lang, remembering a chosen language in the progress file when
// remember is set.
func (c *Common) lang(remember bool) (string, error) {
	chosen := c.Factory.Lang
	if chosen == "" {
		chosen = os.Getenv(i18n.LangEnv)
	}
	path, owner, err := progress.Locate(os.Getenv)
	if err != nil {
		return i18n.Detect(chosen, os.Getenv)
	}
	store := progress.Open(path, owner)
	kept, keptErr := store.Lang()
	if chosen == "" {
		if kept != "" {
			if lang, err := i18n.Detect(kept, os.Getenv); err == nil {
				return lang, nil
			}
		}
		return i18n.Detect("", os.Getenv)
	}
	lang, err := i18n.Detect(chosen, os.Getenv)
	if err != nil {
		return "", err
	}
	if remember && keptErr == nil && kept != lang {
		// Remembering is a convenience: a progress file that cannot be
		// written is reported by the command itself.
		_, _ = store.Update(func(p *progress.Progress) error { p.Lang = lang; return nil })
	}
	return lang, nil
}

// LoadCourse reads the lessons: --lessons, else $DOCKYARD_LESSONS, else
// the built-in ones.
func LoadCourse(spec string) (*lessons.Course, error) {
	if spec == "" {
		spec = os.Getenv(LessonsEnv)
	}
	if spec == "" {
		spec = Builtin
	}
	var sources []lessons.Source
	for _, entry := range filepath.SplitList(spec) {
		switch {
		case entry == "":
		case entry == Builtin:
			sources = append(sources, lessons.Source{FS: content.Lessons(), Name: "content/lessons", Index: content.LessonOutlines()})
		default:
			info, err := os.Stat(entry)
			if err != nil || !info.IsDir() {
				return nil, fmt.Errorf("lessons folder %s: not a folder (check --lessons or %s)", entry, LessonsEnv)
			}
			sources = append(sources, lessons.Source{FS: os.DirFS(entry), Name: filepath.Clean(entry)})
		}
	}
	return lessons.Load(sources...)
}

// childEnv is what the dockyard commands a script or shell runs must
// inherit to act on the same engine, lessons and language as this one:
// --root, --lessons and --lang as their environment variables.
func (c *Common) childEnv() []string {
	var env []string
	if root, err := filepath.Abs(c.Factory.Root); err == nil {
		env = append(env, "DOCKYARD_ROOT="+root)
	}
	if c.Lessons != "" {
		var abs []string
		for _, entry := range filepath.SplitList(c.Lessons) {
			if entry != Builtin {
				entry, _ = filepath.Abs(entry)
			}
			abs = append(abs, entry)
		}
		env = append(env, LessonsEnv+"="+strings.Join(abs, string(filepath.ListSeparator)))
	}
	if c.Factory.Lang != "" {
		env = append(env, i18n.LangEnv+"="+c.Factory.Lang)
	}
	return env
}

// session is a guide ready to run, and what to release afterwards.
type session struct {
	*guide.Guide
	bin *shell.Bin
}

func (s *session) Close() {
	if s.bin != nil {
		s.bin.Close()
	}
}

// workDir is the folder checks and scripts run in: the current one, or /
// when it was removed under the student's shell (a step's cleanup, an
// rm -r), which leaves the shell in it and docker still working there.
func workDir() (dir string, gone bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "/", true
	}
	return dir, false
}

// newSession builds the guide for one command: lessons, progress, the
// checker, the terminal, and (withBin) a PATH where docker is Dockyard for
// the scripts and checks the command runs.
func (c *Common) newSession(withBin bool) (*session, error) {
	f := c.Factory
	lang, err := c.Lang()
	if err != nil {
		return nil, &factory.FlagError{Err: err}
	}
	course, err := LoadCourse(c.Lessons)
	if err != nil {
		return nil, err
	}
	path, owner, err := progress.Locate(os.Getenv)
	if err != nil {
		return nil, err
	}
	dir, gone := workDir()
	if gone && withBin {
		fmt.Fprintln(f.IOStreams.ErrOut, i18n.For(lang).T("session.dir-gone"))
	}
	var bin *shell.Bin
	env := os.Environ()
	if withBin {
		if bin, err = shell.NewBin(""); err != nil {
			return nil, err
		}
		env = bin.Env(nil, c.childEnv()...)
	}
	closeBin := func() {
		if bin != nil {
			bin.Close()
		}
	}
	opts := guide.Options{
		Course: course, Store: progress.Open(path, owner), Lang: lang,
		Out: f.IOStreams.Out, ErrOut: f.IOStreams.ErrOut,
		Checker: &engineChecker{f: f, spec: c.Engine},
		Color:   f.IOStreams.ColorEnabled(), Width: 80,
		Dir: dir, Env: env,
		RemoveMade: func(ctx context.Context, key, value string) error { return removeMade(ctx, f, key, value) },
		Debug:      f.Debug,
	}
	if root, err := filepath.Abs(f.Root); err == nil {
		opts.Root = root
	}
	if w := terminalWidth(f); w > 0 {
		opts.Width = w // the renderer caps prose at a reading width
	}
	if f.IOStreams.IsStdinTTY() && f.IOStreams.IsStdoutTTY() {
		in, inOK := f.IOStreams.In.(terminal.FileReader)
		out, outOK := f.IOStreams.Out.(terminal.FileWriter)
		if inOK && outOK {
			opts.Stdio = &terminal.Stdio{In: in, Out: out, Err: f.IOStreams.ErrOut}
		}
	}
	g, err := guide.New(opts)
	if err != nil {
		closeBin()
		return nil, err
	}
	return &session{Guide: g, bin: bin}, nil
}

// run opens a session with docker on PATH, calls fn and turns the guide's
// errors into exit statuses with messages in the student's language.
func (c *Common) run(fn func(s *session) error) error { return c.runWith(true, fn) }

// runPlain is run for commands that run no scripts or checks.
func (c *Common) runPlain(fn func(s *session) error) error { return c.runWith(false, fn) }

func (c *Common) runWith(withBin bool, fn func(s *session) error) error {
	s, err := c.newSession(withBin)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.exit(fn(s))
}

func (s *session) exit(err error) error {
	var usage *guide.ErrUsage
	switch {
	case err == nil:
		return nil
	case errors.Is(err, guide.ErrNotPassed):
		return &factory.StatusError{Code: 1}
	case errors.Is(err, guide.ErrCancelled):
		return &factory.StatusError{Code: 130}
	case errors.As(err, &usage):
		return &factory.StatusError{Code: 1, Message: s.T("error.prefix") + usage.Message}
	}
	return err
}

// stepNumber parses the N of `dockyard step N`.
func stepNumber(arg string) (int, bool) {
	n := 0
	for _, r := range strings.TrimSpace(arg) {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, arg != ""
}

// terminalWidth is the width of the terminal on stdout, or 0 when stdout
// is not a terminal (or a too narrow one to wrap for).
func terminalWidth(f *factory.Factory) int {
	if !f.IOStreams.IsStdoutTTY() {
		return 0
	}
	if w, _, err := term.GetSize(f.IOStreams.OutFd()); err == nil && w > 20 {
		return w
	}
	return 0
}
