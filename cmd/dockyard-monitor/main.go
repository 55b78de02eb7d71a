// Command dockyard-monitor runs one container: started by dockyard as
// `dockyard-monitor __monitor <root> <id>`, it is the container's monitor
// (podman's conmon), and libcontainer starts the same binary again as the
// container's init. It is built from sandbox/monitor alone, without the
// image store, registry client or command line that dockyard carries: a
// monitor idles beside every running container, so its size is memory held
// per container, and every container start pays its start-up twice.
// Without it installed beside dockyard, dockyard itself does the same work.
package main

import (
	"fmt"
	"os"

	"github.com/dockyard-lab/dockyard/sandbox/monitor"
)

func main() {
	// As a monitor or libcontainer's init, this never returns.
	monitor.Reexec()
	fmt.Fprintln(os.Stderr, "dockyard-monitor runs one of Dockyard's containers for dockyard; run dockyard instead")
	os.Exit(2)
}
