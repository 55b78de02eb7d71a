package cli

import (
	"sync"

	"github.com/spf13/cobra"
)

// Building a command defines its flags, and the docker tree alone has
// hundreds (about 1 ms and 0.5 MB of garbage in every start). A command
// marked Lazy gets its subcommands only when a command line reaches it:
// Run expands the commands on the path of its arguments before cobra looks
// them up, so `dockyard progress` never builds `docker run`'s flags, and
// `docker run` never builds `docker container run`'s. A lazy command
// itself (its Use, Short, flags) is built as usual, so help listings and
// "did you mean" suggestions of its parent are unchanged.

var (
	lazyMu sync.Mutex
	lazy   = map[*cobra.Command]func(*cobra.Command){}
)

// Lazy makes build add cmd's subcommands the first time a command line
// passes through cmd (see Expand).
func Lazy(cmd *cobra.Command, build func(*cobra.Command)) {
	lazyMu.Lock()
	defer lazyMu.Unlock()
	lazy[cmd] = build
}

// IsLazy reports whether cmd still waits for its subcommands.
func IsLazy(cmd *cobra.Command) bool {
	lazyMu.Lock()
	defer lazyMu.Unlock()
	_, ok := lazy[cmd]
	return ok
}

// Expand builds the lazy commands on the path args names under root, as
// cobra will look it up; for `help`, `__complete` and `__completeNoDesc`
// the path is the one they name.
func Expand(root *cobra.Command, args []string) {
	if len(args) > 0 {
		switch args[0] {
		case "help", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
			args = args[1:]
		}
	}
	for {
		cmd, _, err := root.Find(args)
		if err != nil || !expand(cmd) {
			return
		}
	}
}

// ExpandAll builds every lazy command under root: for what walks the whole
// tree (tests, generated docs).
func ExpandAll(root *cobra.Command) {
	expand(root)
	for _, c := range root.Commands() {
		ExpandAll(c)
	}
}

// expand builds cmd's subcommands if it is lazy and reports whether it was.
func expand(cmd *cobra.Command) bool {
	lazyMu.Lock()
	build, ok := lazy[cmd]
	delete(lazy, cmd)
	lazyMu.Unlock()
	if ok {
		build(cmd)
	}
	return ok
}
