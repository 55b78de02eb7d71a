// Package monitor is the program of a container's monitor process
// (`__monitor <root> <id>`, the container store's monitor loop with the
// engine's hooks) and of libcontainer's init, which runs the same binary.
// The hooks prepare a container's volumes and networking before each start
// and release them after each exit. It imports only the stores a start
// needs (containers, networks, volumes), not the image store, the registry
// client or the command line, so that cmd/dockyard-monitor, built from it
// alone, stays small: one idles beside every running container, and its
// binary is also the one every container's init starts from.
package monitor

import (
	"os"
	"runtime"

	"github.com/dockyard-lab/dockyard/sandbox/container"
)

// Main is `__monitor <root> <id>` (either may be "-": read from the
// caller's socket): it runs one container's monitor with
// the engine's hooks and returns its exit code.
func Main(args []string) int {
	return container.MonitorMain(args, func(s *container.Store) container.Hooks {
		return Hooks(s.Root())
	})
}

// A monitor wires a container's network (InNetNS: setns on a locked
// thread) while libcontainer creates the container, and libcontainer's
// config check asks /proc/self/ns/net, the main thread's namespace, whether
// the container's namespace is the host's: a wiring goroutine that ran on
// the main thread then failed the start ("sysctl ... not allowed in host
// network namespace"). Locked here, in an init, the main goroutine keeps
// the main thread to itself, and the main thread stays in the host's
// namespace.
func init() {
	if len(os.Args) > 1 && os.Args[1] == "__monitor" {
		runtime.LockOSThread()
	}
}

// Reexec handles the process when it was started as a container's monitor
// or init, and returns when it was not. Call it first in main, and in
// TestMain of tests that start containers through the engine.
func Reexec() {
	if len(os.Args) > 1 && os.Args[1] == "__monitor" {
		os.Exit(Main(os.Args[2:]))
	}
	container.Reexec(nil)
}
