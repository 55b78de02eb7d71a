// Command dockyard-runtime is Dockyard's container monitor and container
// init, and nothing else. dockyard starts it (when it is installed beside
// dockyard) instead of re-executing itself, because every start of a
// container runs the monitor and then, through libcontainer, a copy of the
// monitor's own binary as the container's init: a binary without the
// lesson renderer's packages starts tens of milliseconds faster and idles
// in less memory. Without it dockyard re-executes itself and behaves the
// same, only slower.
package main

import (
	"fmt"
	"os"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

func main() {
	// As `dockyard-runtime __monitor <root> <id>` or libcontainer's init,
	// this never returns.
	engine.Reexec()
	fmt.Fprintln(os.Stderr, "dockyard-runtime runs Dockyard's containers for dockyard; run dockyard instead")
	os.Exit(2)
}
