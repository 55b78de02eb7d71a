package checker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"
)

// Engine is what the checker reads from a container engine. Dockyard's own
// engine and any Docker Engine API endpoint implement it (see the backend
// packages below checker/).
type Engine interface {
	// Image inspects an image by reference ("busybox" means busybox:latest).
	Image(ctx context.Context, ref string) (*Image, error)
	// Container inspects a container by name or id.
	Container(ctx context.Context, name string) (*Container, error)
	// Containers lists every container, running or not.
	Containers(ctx context.Context) ([]Container, error)
	// Network inspects a network by name or id.
	Network(ctx context.Context, name string) (*Network, error)
	// Volume inspects a volume by name.
	Volume(ctx context.Context, name string) (*Volume, error)
	// Images, Networks and Volumes list names (image references as
	// repository:tag, or ids for untagged images).
	Images(ctx context.Context) ([]string, error)
	Networks(ctx context.Context) ([]string, error)
	Volumes(ctx context.Context) ([]string, error)
	// Exec runs cmd in a running container, like docker exec.
	Exec(ctx context.Context, container string, cmd []string, user string) (ExecResult, error)
	// ReadVolumeFile reads a file inside a volume; path is relative to the
	// volume's root.
	ReadVolumeFile(ctx context.Context, volume, path string) ([]byte, error)
	// Dial connects from inside a running container's network namespace.
	Dial(ctx context.Context, container, network, addr string) (net.Conn, error)
}

// ErrNotFound is wrapped by an Engine's errors when an object does not exist.
var ErrNotFound = errors.New("not found")

// ErrUnrecorded is wrapped by LastVMRun and LastBuild of an engine that
// forwards them to another (opened later) which keeps no such records:
// the check is then one it cannot make, as on an engine without the
// methods.
var ErrUnrecorded = errors.New("this engine keeps no such records")

// ErrNotRunning is wrapped by Exec and Dial when the container is not running.
var ErrNotRunning = errors.New("container is not running")

// Image is what the checker needs of an image.
type Image struct {
	ID   string
	Tags []string
	// Digests are its RepoDigests (repo@sha256:...): a pull or push of a
	// repository gives one, a docker tag does not.
	Digests    []string
	Env        []string
	Labels     map[string]string
	Exposed    []string // "80/tcp"
	Entrypoint []string
	Cmd        []string
	WorkingDir string
	User       string
	// Layers are the diff ids of the image's layers, base first.
	Layers []string
}

// Container is what the checker needs of a container.
type Container struct {
	ID   string
	Name string
	// Image is the reference the container was created from, as given.
	Image    string
	ImageID  string
	Status   string // created, running, paused, restarting, exited, dead
	ExitCode int
	// StartedAt and FinishedAt are when its process last started and
	// ended (zero when unknown or never).
	StartedAt, FinishedAt time.Time
	// OOMKilled reports that the kernel killed it for using more memory
	// than its limit.
	OOMKilled bool
	// Health is the running container's health check status: starting,
	// healthy, unhealthy; "" without a check.
	Health string
	// Memory is its memory limit in bytes (0: none).
	Memory int64
	Env    []string
	Labels map[string]string
	// Ports are the ports published now; Bindings are the ports it was
	// created to publish (-p), which it publishes only while it runs.
	Ports    []Port
	Bindings []Port
	Mounts   []Mount
	Networks []Endpoint
	// Restart is the restart policy's name: no, always, unless-stopped,
	// on-failure; RestartMax its maximum retry count (0: no limit).
	Restart      string
	RestartMax   int
	RestartCount int
	User         string
	// Command is the process as docker inspect shows it: Path then Args.
	Command []string
}

// Running reports whether the container's status is running.
func (c *Container) Running() bool { return c.Status == "running" }

// Port is one published port.
type Port struct {
	ContainerPort int
	Proto         string // tcp, udp
	HostIP        string // "" or 0.0.0.0 for every address
	HostPort      int
}

// Mount is one mount of a container.
type Mount struct {
	Type        string // bind, volume, tmpfs
	Source      string // host path of a bind, name of a volume
	Destination string
	ReadOnly    bool
}

// Endpoint is a container's attachment to one network.
type Endpoint struct {
	Network string
	IP      string
	Aliases []string
}

// Network is what the checker needs of a network.
type Network struct {
	Name     string
	Driver   string
	Subnets  []string
	Gateways []string
	Internal bool
	Labels   map[string]string
	// Containers are the names of the containers attached.
	Containers []string
}

// Volume is what the checker needs of a volume.
type Volume struct {
	Name   string
	Driver string
	Labels map[string]string
}

// ExecResult is what a command run in a container gave back.
type ExecResult struct {
	ExitCode int
	Stdout   string
	Stderr   string
}

// Quizzes reads the answers the lesson loop recorded.
type Quizzes interface {
	// QuizAnswer reports whether the student answered the quiz with that id,
	// and whether the answer was right.
	QuizAnswer(id string) (answered, correct bool, err error)
}

// VMRuns is implemented by engines that run VMs (Dockyard's): what `vm`
// checks read. Other engines make those checks errors.
type VMRuns interface {
	// LastVMRun returns the most recent `dockyard vm run`; an error
	// wrapping ErrNotFound when no VM has run.
	LastVMRun(ctx context.Context) (*VMRun, error)
}

// VMRun is what the checker needs of a VM run.
type VMRun struct {
	Command []string
	// Time is when the run started.
	Time time.Time
	// ExitCode is the guest command's; nil for a detached VM.
	ExitCode              *int
	GuestKernel           string
	HostKernel            string
	KernelDiffersFromHost bool
}

// Builds is implemented by engines that record their builds (Dockyard's):
// what `build` checks read. Other engines make those checks errors.
type Builds interface {
	// LastBuild returns the most recent build that finished; an error
	// wrapping ErrNotFound when none has.
	LastBuild(ctx context.Context) (*Build, error)
}

// Build is what the checker needs of a finished build.
type Build struct {
	Tags  []string
	Steps []BuildStep
}

// BuildStep is one numbered step of a build: its instruction as the
// progress shows it ("RUN make") and whether it came from the cache.
type BuildStep struct {
	Stage       string
	Instruction string
	Cached      bool
}

// Snapshot is the names of everything an engine holds, to compare before and
// after a lesson step.
type Snapshot struct {
	Containers, Images, Networks, Volumes []string
}

// Take reads a Snapshot of e.
func Take(ctx context.Context, e Engine) (Snapshot, error) {
	var s Snapshot
	cs, err := e.Containers(ctx)
	if err != nil {
		return s, err
	}
	for _, c := range cs {
		s.Containers = append(s.Containers, c.Name)
	}
	if s.Images, err = e.Images(ctx); err != nil {
		return s, err
	}
	if s.Networks, err = e.Networks(ctx); err != nil {
		return s, err
	}
	if s.Volumes, err = e.Volumes(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// Diff lists how after differs from s: what was left behind and what went
// missing, e.g. "left behind: container web" or "removed: image busybox:latest".
func (s Snapshot) Diff(after Snapshot) []string {
	var out []string
	for _, kind := range []struct {
		name          string
		before, after []string
	}{
		{"container", s.Containers, after.Containers},
		{"image", s.Images, after.Images},
		{"network", s.Networks, after.Networks},
		{"volume", s.Volumes, after.Volumes},
	} {
		for _, n := range kind.after {
			if !slices.Contains(kind.before, n) {
				out = append(out, fmt.Sprintf("left behind: %s %s", kind.name, n))
			}
		}
		for _, n := range kind.before {
			if !slices.Contains(kind.after, n) {
				out = append(out, fmt.Sprintf("removed: %s %s", kind.name, n))
			}
		}
	}
	return out
}
