package container

import (
	"os"

	// Registers the device-cgroup manager libcontainer needs for device rules.
	_ "github.com/opencontainers/cgroups/devices"
	"github.com/opencontainers/runc/libcontainer"
	// The C half of libcontainer's init: joins namespaces before Go starts.
	_ "github.com/opencontainers/runc/libcontainer/nsenter"
)

// Reexec handles the process when Dockyard re-executed itself for the
// container package, and returns when it did not. As libcontainer's init
// (argument "init", with libcontainer's environment) it becomes the
// container's process and never returns; as a monitor ("__monitor <root>
// <id>") it exits when the container is done. hooks, which may be nil,
// give the monitor the engine's per-start hooks. Call it first in main and
// in TestMain of any test that starts containers.
func Reexec(hooks func(*Store) Hooks) {
	if len(os.Args) < 2 {
		return
	}
	switch os.Args[1] {
	case "init":
		if os.Getenv("_LIBCONTAINER_INITPIPE") != "" {
			libcontainer.Init()
		}
	case "__monitor":
		os.Exit(MonitorMain(os.Args[2:], hooks))
	}
}
