// Package cli is the top of Dockyard's command line: the root command with
// its global flags, the docker symlink, and exit codes decided in one place
// from the error's type (as cli/cli's internal/ghcmd does). cmd/dockyard
// adds every command to the root.
package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
)

// NewRoot returns the `dockyard` root command with the global flags
// (--root, --debug, --lang) bound to f and all output on f's streams.
func NewRoot(f *factory.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "dockyard",
		Short: "A learn-by-doing lab for containers",
		Long: `Dockyard teaches containers by doing: read a short lesson, run real docker
commands against Dockyard's own sandboxed engine, and let "dockyard check"
tell you whether what you built is really there.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       f.Version,
	}
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	root.SetIn(f.IOStreams.In)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &factory.FlagError{Err: err}
	})
	root.PersistentFlags().StringVar(&f.Root, "root", f.Root, "engine state directory (env DOCKYARD_ROOT)")
	root.PersistentFlags().BoolVar(&f.Debug, "debug", false, "show full error details")
	root.PersistentFlags().StringVar(&f.Lang, "lang", "", `language of lessons and messages: "en" or "ko" (default from LANG)`)
	return root
}

// Run executes argv on root and returns the process's exit code. Run
// through a symlink named docker, argv means `dockyard docker ...`.
func Run(f *factory.Factory, root *cobra.Command, argv []string) int {
	args := argv[1:]
	switch filepath.Base(argv[0]) {
	case "docker":
		args = append([]string{"docker"}, args...)
	case "docker-compose":
		args = append([]string{"docker", "compose"}, args...)
	}
	Expand(root, args)
	// Cobra builds its `completion` command (four shells, their flags and
	// help) in every Execute; a command line that names another command
	// cannot reach it, so only the others pay for it.
	if cmd, _, err := root.Find(args); err == nil && cmd != root {
		root.CompletionOptions.DisableDefaultCmd = true
	}
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return 0
	}
	if cmd == nil {
		cmd = root
	}
	if f.Lang == "" {
		// An unknown command fails before cobra parses any flag: the
		// error's language is still the command line's --lang.
		f.Lang = langArg(args)
	}
	return ExitCode(f, err, cmd)
}

// ExitCode prints err as the command cmd should and returns the exit code:
// a StatusError's own; for a bad flag 125 under docker (2 outside) and for
// a wrong number of arguments 1 (2 outside), both with the command's usage
// line as Docker 28 prints them; 1 for anything else.
func ExitCode(f *factory.Factory, err error, cmd *cobra.Command) int {
	stderr := f.IOStreams.ErrOut
	path := cmd.CommandPath()
	inDocker := IsDocker(path)
	var status *factory.StatusError
	if errors.As(err, &status) {
		if status.Message != "" {
			fmt.Fprintln(stderr, status.Message)
		}
		return status.Code
	}
	// Outside docker, the command line's own errors speak the student's
	// language (Docker's stay Docker's English); h is empty in English.
	var h HelpText
	if !inDocker && f.MessageLang != nil {
		h = HelpText(i18n.Help(f.MessageLang()))
	}
	var argsErr *ArgsError
	if errors.As(err, &argsErr) {
		// docker: 'docker exec' requires at least 2 arguments
		//
		// Usage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]
		//
		// See 'docker exec --help' for more information
		prog := "dockyard"
		if inDocker {
			prog = "docker"
		}
		fmt.Fprintf(stderr, h.word("args-error", "%s: '%s' %s")+"\n\n%s  %s\n\n%s\n",
			prog, studentPath(path), argsErr.problem(h), h.word("usage", "Usage:"), h.errorUseLine(cmd), seeHelp(h, argsErr.verb(), path))
		if inDocker {
			return 1
		}
		return 2
	}
	var flagErr *factory.FlagError
	if errors.As(err, &flagErr) {
		fmt.Fprintf(stderr, "%s\n\n%s  %s\n\n%s\n",
			flagProblem(h, flagErr.Error()), h.word("usage", "Usage:"), h.errorUseLine(cmd), seeHelp(h, "Run", path))
		if inDocker {
			return 125
		}
		return 2
	}
	if inDocker {
		// Docker prints engine errors as they are and exits 125 from run-like
		// commands and 1 from the rest; commands that care return StatusError.
		fmt.Fprintln(stderr, err.Error())
		return 1
	}
	if unknown := cobraUnknownCommand(cmd, err); unknown != nil {
		err = unknown
	}
	var unknownErr *UnknownCommandError
	msg := err.Error()
	if errors.As(err, &unknownErr) {
		msg = unknownErr.message(h)
	}
	if f.Debug {
		msg = fmt.Sprintf("%+v", err)
	}
	fmt.Fprintf(stderr, "%s %s\n", h.word("error", "Error:"), msg)
	return 1
}

// seeHelp is the last line of a usage error: "Run 'docker ps --help' for
// more information" (verb is Docker's See or Run).
func seeHelp(h HelpText, verb, path string) string {
	return fmt.Sprintf(h.word("see-help", "%s '%s --help' for more information"), verb, studentPath(path))
}

// flagProblem is pflag's error about a flag (unknown flag: --bogus) in the
// language of h: its first words, which say what is wrong, translated.
func flagProblem(h HelpText, msg string) string {
	for _, p := range []struct{ key, english string }{
		{"flag-unknown", "unknown flag: "},
		{"flag-unknown-shorthand", "unknown shorthand flag: "},
		{"flag-needs-argument", "flag needs an argument: "},
	} {
		if rest, ok := strings.CutPrefix(msg, p.english); ok {
			return h.word(p.key, p.english) + rest
		}
	}
	return msg
}

// langArg is the value of a --lang in args ("--lang ko", "--lang=ko"),
// before any "--"; "" when there is none.
func langArg(args []string) string {
	for i, a := range args {
		switch {
		case a == "--":
			return ""
		case a == "--lang" && i+1 < len(args):
			return args[i+1]
		case strings.HasPrefix(a, "--lang="):
			return strings.TrimPrefix(a, "--lang=")
		}
	}
	return ""
}

// IsDocker reports whether a command path lies under `dockyard docker`.
func IsDocker(path string) bool {
	fields := strings.Fields(path)
	return len(fields) > 1 && fields[1] == "docker"
}

// errorUseLine is useLine in h's words (its placeholders translated).
func (h HelpText) errorUseLine(cmd *cobra.Command) string {
	if len(h) == 0 {
		return useLine(cmd)
	}
	return studentPath(strings.TrimSuffix(h.useLine(cmd), " "+h.word("flags-placeholder", "[flags]")))
}

// useLine is the command's usage line as the student would type it, without
// cobra's "[flags]" (Docker's usage lines say [OPTIONS]).
func useLine(cmd *cobra.Command) string {
	return studentPath(strings.TrimSuffix(cmd.UseLine(), " [flags]"))
}

// studentPath turns "dockyard docker run" into "docker run", the name a
// student typed.
func studentPath(path string) string {
	if IsDocker(path) {
		return strings.TrimPrefix(path, "dockyard ")
	}
	return path
}
