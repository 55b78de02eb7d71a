// Command dockyard-runtime is the part of dockyard that runs containers:
// the container monitor, the container init and the docker command line.
// dockyard hands it `docker ...` command lines before its own start-up
// (cmd/dockyard/fastdocker.go) and starts monitors with it, because
// dockyard's start-up pays tens of milliseconds of package initialisation
// for the lesson renderer that a container start does not need, two or
// three times over (the docker command, the monitor, and the monitor's
// binary again as the container's init through libcontainer). When it is
// not installed beside dockyard, dockyard does all of it itself, only
// slower.
package main

import (
	"fmt"
	"os"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

func main() {
	// As `dockyard-runtime __monitor <root> <id>` or libcontainer's init,
	// this never returns.
	engine.Reexec()
	if isDocker(os.Args) {
		os.Exit(runDocker(factory.New(version), os.Args))
	}
	fmt.Fprintln(os.Stderr, "dockyard-runtime runs Dockyard's containers and docker commands for dockyard; run dockyard instead")
	os.Exit(2)
}
