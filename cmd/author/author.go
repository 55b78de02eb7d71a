// Package author holds the instructor's commands: `dockyard author lint`
// checks lessons, `dockyard author test` runs their reference solutions and
// checks.
package author

import (
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// NewCmdAuthor builds `dockyard author`, the parent of the instructor's
// commands; each adds itself in its own file.
func NewCmdAuthor(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "author",
		Short: "Tools for writing lessons",
		Long:  "Tools for instructors writing lessons: see docs/authoring.md for the lesson format.",
		Args:  cli.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	for _, sub := range subcommands {
		cmd.AddCommand(sub(f))
	}
	return cmd
}

// subcommands are the author commands; each file registers its own in an
// init func (a plain append, nothing else at start-up).
var subcommands []func(*factory.Factory) *cobra.Command
