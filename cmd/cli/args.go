package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// ArgsError is a command given the wrong number of arguments. ExitCode
// prints it as Docker 28 does, with the command's usage line:
//
//	docker: 'docker exec' requires at least 2 arguments
//
//	Usage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]
//
//	See 'docker exec --help' for more information
type ArgsError struct {
	Problem string // "requires at least 2 arguments"
	min     bool   // Docker says "See" after a minimum, "Run" otherwise
	// kind (exact, min, max, range, none) and counts say Problem again
	// for a translation (the help catalog's cobra.args-KIND).
	kind   string
	counts []any
}

func (e *ArgsError) Error() string { return e.Problem }

// problem is Problem in the language of h.
func (e *ArgsError) problem(h HelpText) string {
	if e.kind == "" {
		return e.Problem
	}
	return fmt.Sprintf(h.word("args-"+e.kind, "%[3]s"), append(e.counts, e.Problem)...)
}

func (e *ArgsError) verb() string {
	if e.min {
		return "See"
	}
	return "Run"
}

// NoArgs refuses any argument. On a command with subcommands an argument
// is a subcommand that does not exist: UnknownCommand says so.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return UnknownCommand(cmd, args[0])
	}
	return &ArgsError{Problem: "accepts no arguments", kind: "none", counts: []any{0, 0}}
}

// UnknownCommandError is name, not a subcommand of the command at Path,
// with the subcommands it may have meant.
type UnknownCommandError struct {
	Name, Path  string
	Suggestions []string
}

// Error is in the words cobra uses for the root's (`unknown command "strat"
// for "dockyard registry"`), with its "Did you mean this?" suggestions.
func (e *UnknownCommandError) Error() string { return e.message(nil) }

func (e *UnknownCommandError) message(h HelpText) string {
	msg := fmt.Sprintf(h.word("unknown-command", "unknown command %q for %q"), e.Name, e.Path)
	if len(e.Suggestions) > 0 {
		msg += "\n\n" + h.word("did-you-mean", "Did you mean this?") + "\n\t" + strings.Join(e.Suggestions, "\n\t") + "\n"
	}
	return msg
}

// UnknownCommand is the error for name, not a subcommand of cmd, with the
// suggestions cobra makes only for the root's subcommands.
func UnknownCommand(cmd *cobra.Command, name string) error {
	e := &UnknownCommandError{Name: name, Path: cmd.CommandPath()}
	if cmd.DisableSuggestions {
		return e
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default
	}
	e.Suggestions = cmd.SuggestionsFor(name)
	return e
}

// cobraUnknownCommand is UnknownCommand's error for cobra's own about the
// root (`unknown command "chekc" for "dockyard"`, made as cobra's Find
// looks the command up, before any command of ours runs), so that it is
// printed as ours are; nil for any other error.
func cobraUnknownCommand(cmd *cobra.Command, err error) error {
	var name string
	if cmd.HasParent() || !strings.HasPrefix(err.Error(), "unknown command ") {
		return nil
	}
	if _, serr := fmt.Sscanf(err.Error(), "unknown command %q", &name); serr != nil {
		return nil
	}
	return UnknownCommand(cmd, name)
}

// MinArgs wants at least n arguments.
func MinArgs(n int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) >= n {
			return nil
		}
		return &ArgsError{Problem: fmt.Sprintf("requires at least %d %s", n, arguments(n)), min: true, kind: "min", counts: []any{n, 0}}
	}
}

// ExactArgs wants exactly n arguments.
func ExactArgs(n int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		return &ArgsError{Problem: fmt.Sprintf("requires %d %s", n, arguments(n)), kind: "exact", counts: []any{n, 0}}
	}
}

// RangeArgs wants min to max arguments.
func RangeArgs(min, max int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) >= min && len(args) <= max {
			return nil
		}
		return &ArgsError{Problem: fmt.Sprintf("requires at least %d and at most %d %s", min, max, arguments(max)), kind: "range", counts: []any{min, max}}
	}
}

func arguments(n int) string {
	if n == 1 {
		return "argument"
	}
	return "arguments"
}

// MaxArgs wants at most n arguments.
func MaxArgs(n int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) <= n {
			return nil
		}
		return &ArgsError{Problem: fmt.Sprintf("requires at most %d %s", n, arguments(n)), kind: "max", counts: []any{n, 0}}
	}
}
