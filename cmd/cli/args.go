package cli

import (
	"errors"
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
}

func (e *ArgsError) Error() string { return e.Problem }

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
	return &ArgsError{Problem: "accepts no arguments"}
}

// UnknownCommand is the error for name, not a subcommand of cmd, in the
// words cobra uses for the root's (`unknown command "strat" for "dockyard
// registry"`) with its "Did you mean this?" suggestions, which cobra makes
// only for the root's subcommands.
func UnknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if cmd.DisableSuggestions {
		return errors.New(msg)
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default
	}
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t") + "\n"
	}
	return errors.New(msg)
}

// MinArgs wants at least n arguments.
func MinArgs(n int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) >= n {
			return nil
		}
		return &ArgsError{Problem: fmt.Sprintf("requires at least %d %s", n, arguments(n)), min: true}
	}
}

// ExactArgs wants exactly n arguments.
func ExactArgs(n int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		return &ArgsError{Problem: fmt.Sprintf("requires %d %s", n, arguments(n))}
	}
}

// RangeArgs wants min to max arguments.
func RangeArgs(min, max int) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) >= min && len(args) <= max {
			return nil
		}
		return &ArgsError{Problem: fmt.Sprintf("requires at least %d and at most %d %s", min, max, arguments(max))}
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
		return &ArgsError{Problem: fmt.Sprintf("requires at most %d %s", n, arguments(n))}
	}
}
