// Command dockyard is a learn-by-doing lab for containers: guided lessons, a
// checker, and the small real container engine they run against. Run through
// a symlink named docker, it behaves as `dockyard docker`.
package main

import (
	"os"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	// Re-executed as a container's init or monitor: never returns.
	engine.Reexec()
	os.Exit(run(factory.New(version), os.Args))
}

// run executes the command line and returns the exit code.
func run(f *factory.Factory, argv []string) int {
	return cli.Run(f, NewCmdRoot(f), argv)
}
