package container

import (
	"encoding/json"

	"github.com/opencontainers/cgroups"
	"github.com/opencontainers/cgroups/fs"
	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/configs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// warmUp does, while a monitor started ahead of its container waits for
// it (MonitorMain), the part of a start that does not depend on the
// container, so that the start does not wait for it:
//
//   - encoding/json builds a type's encoder and field list on the type's
//     first use in a process, by reflection over the whole type: the
//     container's record (read and written twice), libcontainer's config
//     sent to the init and its state.json reach about a hundred struct
//     types, 5-7 ms of a monitor's start in a profile on the loaded
//     machine. Encoding zero values builds them all (an encoder is built
//     with those of every field's type, pointers and slices included),
//     and decoding shares the field lists.
//   - libcontainer's cgroup manager looks up the cgroup mounts in
//     mountinfo once per process (fs.NewManager).
//
// The start may begin meanwhile: both are caches that are safe to fill
// from two goroutines.
func warmUp() {
	_, _ = json.Marshal(startTypes{})
	if !cgroups.IsCgroup2UnifiedMode() {
		_, _ = fs.NewManager(&cgroups.Cgroup{Path: "/", Resources: &cgroups.Resources{}}, nil)
	}
}

// startTypes are the types a start encodes or decodes: the record,
// libcontainer's state (with its config), and the other fields of the
// config libcontainer sends its init (initConfig in libcontainer's
// init_linux.go).
type startTypes struct {
	Record       *Container
	State        *libcontainer.State
	Capabilities *configs.Capabilities
	Rlimits      []configs.Rlimit
	IOPriority   *configs.IOPriority
	Scheduler    *configs.Scheduler
	CPUAffinity  *configs.CPUAffinity
	Networks     []*configs.Network
	SpecState    *specs.State
}
