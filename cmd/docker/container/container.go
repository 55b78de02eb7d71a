// Package container is Docker's container commands on Dockyard's engine:
// run, create, start, stop, kill, restart, rm, ps, logs, exec, wait, top,
// inspect, rename, cp, stats and container prune, both as `docker container <verb>`
// and as the top-level shortcuts (`docker run`, `docker ps`, ...).
package container

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// NewCmdContainer returns `docker container` with its subcommands.
func NewCmdContainer(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "container",
		Short: "Manage containers",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	// `docker run` need not build `docker container run` (cli.Lazy).
	cli.Lazy(cmd, func(cmd *cobra.Command) {
		for _, sub := range commands(f) {
			cmd.AddCommand(sub)
		}
		cmd.AddCommand(NewCmdInspect(f, nil))
		cmd.AddCommand(NewCmdPrune(f, nil))
		ls := NewCmdPs(f, nil)
		ls.Use = "ls [OPTIONS]"
		ls.Aliases = []string{"list", "ps"}
		cmd.AddCommand(ls)
	})
	return cmd
}

// AddTopLevel adds the shortcuts Docker has at the top (`docker run`,
// `docker ps`, ...) to the docker command.
func AddTopLevel(docker *cobra.Command, f *factory.Factory) {
	for _, sub := range commands(f) {
		docker.AddCommand(sub)
	}
	docker.AddCommand(NewCmdPs(f, nil))
}

func commands(f *factory.Factory) []*cobra.Command {
	return []*cobra.Command{
		NewCmdRun(f, nil), NewCmdCreate(f, nil), NewCmdStart(f, nil), NewCmdStop(f, nil),
		NewCmdKill(f, nil), NewCmdRestart(f, nil), NewCmdRm(f, nil), NewCmdLogs(f, nil),
		NewCmdExec(f, nil), NewCmdWait(f, nil), NewCmdTop(f, nil), NewCmdRename(f, nil),
		NewCmdCp(f, nil), NewCmdStats(f, nil), NewCmdDiff(f), NewCmdCommit(f),
	}
}

// daemonError words an engine error as Docker's CLI does.

// runError ends `docker run`: engine problems exit 125 with "docker: ...",
// a container that could not start exits 126 or 127 (docker/cli's
// toStatusError), each with the pointer to --help.
func runError(err error) error {
	var st *factory.StatusError
	if errors.As(err, &st) {
		return err
	}
	code := 125
	var se *engine.StartError
	if errors.As(err, &se) {
		code = se.Code
		err = errors.New(se.DaemonMessage())
	}
	return &factory.StatusError{Code: code, Message: "docker: " + cli.DaemonError(err).Error() + "\n\nRun 'docker run --help' for more information"}
}
