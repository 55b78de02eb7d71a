// Package container runs Dockyard's containers on libcontainer (runc's Go
// library): an overlayfs root over image layers the engine hands in, Docker's
// security defaults (capabilities, masked and read-only paths, seccomp, a pids
// limit, a minimal /dev), and one monitor process per running container (the
// binary re-executed as `dockyard __monitor`, like podman's conmon) that owns
// the container's init, writes its json-file log and records how it ended.
//
// The store does not know about images, networks or volumes: the engine
// resolves those and passes a Spec with layer directories, a network
// namespace path and resolved mounts.
package container

import (
	"time"
)

// Spec is what the engine hands the store to create a container.
type Spec struct {
	// Name is the container's name; empty means a generated one.
	Name string
	// Image is the image reference as the user typed it (Config.Image in
	// Docker's inspect), ImageID its content id ("sha256:...").
	Image   string
	ImageID string
	// LowerDirs are the image's unpacked layers, topmost first.
	LowerDirs []string
	Config    Config
	Host      HostConfig
}

// Config is the process the container runs, already merged from the image's
// config and the user's options.
type Config struct {
	Entrypoint []string          `json:",omitempty"`
	Cmd        []string          `json:",omitempty"`
	Env        []string          `json:",omitempty"`
	WorkingDir string            `json:",omitempty"`
	User       string            `json:",omitempty"`
	Hostname   string            `json:",omitempty"`
	Tty        bool              `json:",omitempty"`
	OpenStdin  bool              `json:",omitempty"`
	Labels     map[string]string `json:",omitempty"`
	StopSignal string            `json:",omitempty"`
	// ExposedPorts are "80/tcp" style keys from the image and --expose.
	ExposedPorts []string `json:",omitempty"`
	// Healthcheck is the image's HEALTHCHECK merged with --health-*.
	Healthcheck *HealthConfig `json:",omitempty"`
}

// Args returns the command line the container's process runs.
func (c Config) Args() []string {
	return append(append([]string{}, c.Entrypoint...), c.Cmd...)
}

// HostConfig holds the host-side settings of a container.
type HostConfig struct {
	AutoRemove bool          `json:",omitempty"`
	Restart    RestartPolicy `json:",omitempty"`
	Resources  Resources     `json:",omitempty"`
	ReadOnly   bool          `json:",omitempty"`
	CapAdd     []string      `json:",omitempty"`
	CapDrop    []string      `json:",omitempty"`
	Mounts     []Mount       `json:",omitempty"`

	// NetworkMode is the network as the user named it ("none", "host",
	// "bridge", a network name); NetNS is how the container joins it: ""
	// for a new namespace with only loopback, "host" to share the host's,
	// or the path of a prepared namespace (a bind-mounted netns file).
	NetworkMode string `json:",omitempty"`
	NetNS       string `json:",omitempty"`
	// PortBindings are the published ports ("80/tcp" -> host bindings),
	// kept for inspect and for the network hook that serves them.
	PortBindings map[string][]PortBinding `json:",omitempty"`
}

// PortBinding is one host side of a published port.
type PortBinding struct {
	HostIP   string `json:"HostIp"`
	HostPort string
}

// RestartPolicy is Docker's --restart: "no", "on-failure[:max]", "always",
// "unless-stopped".
type RestartPolicy struct {
	Name              string `json:",omitempty"`
	MaximumRetryCount int    `json:",omitempty"`
}

// Resources are cgroup limits; zero means no limit, except PidsLimit (nil
// means DefaultPidsLimit, <= 0 unlimited).
type Resources struct {
	Memory    int64  `json:",omitempty"` // bytes
	NanoCPUs  int64  `json:",omitempty"` // 1e9 = one CPU
	PidsLimit *int64 `json:",omitempty"`
}

// DefaultPidsLimit caps the processes of a container unless --pids-limit
// says otherwise, so a fork bomb in a lesson cannot take the machine down.
const DefaultPidsLimit = 2048

// Mount is one resolved mount: a bind of a host path, or a tmpfs.
type Mount struct {
	Type        string // "bind", "volume" (a bind of the volume's directory) or "tmpfs"
	Name        string `json:",omitempty"` // volume name, for inspect
	Source      string `json:",omitempty"` // host path
	Destination string
	ReadOnly    bool `json:",omitempty"`
}

// Status is a container's lifecycle state, with Docker's names.
type Status string

// The statuses Docker shows in State.Status.
const (
	Created    Status = "created"
	Running    Status = "running"
	Restarting Status = "restarting"
	Removing   Status = "removing"
	Exited     Status = "exited"
	Dead       Status = "dead"
)

// State is what happened to a container so far.
type State struct {
	Status     Status
	Pid        int       `json:",omitempty"`
	ExitCode   int       `json:",omitempty"`
	Error      string    `json:",omitempty"`
	StartedAt  time.Time `json:",omitempty"`
	FinishedAt time.Time `json:",omitempty"`
	OOMKilled  bool      `json:",omitempty"`
	// RestartCount counts restarts by the restart policy.
	RestartCount int `json:",omitempty"`
	// StopRequested tells the monitor not to restart after this exit
	// (docker stop, kill, rm -f).
	StopRequested bool `json:",omitempty"`
	// MonitorPid and MonitorStart (its start time in clock ticks since
	// boot) identify the monitor process, so a dead monitor is noticed even
	// if its pid was reused.
	MonitorPid   int    `json:",omitempty"`
	MonitorStart uint64 `json:",omitempty"`
	// CreatorPid and CreatorStart identify the process that created the
	// record, in the same way. The engine records a container's
	// networking next: a created container without it whose creator is
	// gone was left by a create that was killed in between.
	CreatorPid   int    `json:",omitempty"`
	CreatorStart uint64 `json:",omitempty"`
	// Health is the health check's state, for a container that has one.
	Health *Health `json:",omitempty"`
}

// Container is one container's record on disk.
type Container struct {
	ID      string
	Name    string
	Created time.Time
	Spec    Spec
	State   State
}

// ShortID returns the 12-character id Docker shows.
func (c *Container) ShortID() string { return c.ID[:12] }
