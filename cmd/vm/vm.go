// Package vm is `dockyard vm run|ls|stop|rm`: a tiny qemu virtual machine
// (sandbox/vm) to set beside a container: its own kernel, its own memory,
// its own boot.
package vm

import (
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// NewCmdVM returns `dockyard vm` and its subcommands.
func NewCmdVM(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vm",
		Short: "Boot a tiny virtual machine to compare with a container",
		Long: `Boot a tiny virtual machine with qemu: Debian's cloud kernel and a busybox
initramfs. Unlike a container it runs its own kernel with its own memory, and
it has to boot first. "dockyard compare" measures both side by side.`,
		Args: cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.AddCommand(NewCmdRun(f, nil), NewCmdLs(f, nil), NewCmdStop(f, nil), NewCmdRm(f, nil), NewCmdConsole(f, nil))
	return cmd
}
