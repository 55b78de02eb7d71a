package cli

import (
	"fmt"

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
// is a subcommand that does not exist, and cobra's "unknown command" says so.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return cobra.NoArgs(cmd, args)
	}
	return &ArgsError{Problem: "accepts no arguments"}
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
