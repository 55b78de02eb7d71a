package engine

import (
	"io"

	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/registry"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// The values front ends hand to the engine and read back from it. They are
// the stores' own data structs under the engine's names, so that no front
// end (cmd/..., sandbox/apiserver) imports a store: what a store does is
// reached through the engine's methods and the functions below.

// Container values.
type (
	Container     = container.Container
	ContainerSpec = container.Spec
	Status        = container.Status
	HealthConfig  = container.HealthConfig
	RestartPolicy = container.RestartPolicy
	Resources     = container.Resources
	// PortBinding is the host side of one published port, as Docker's
	// HostConfig.PortBindings writes it.
	PortBinding  = container.PortBinding
	StartOptions = container.StartOptions
	// Attachment is a started container's streams (docker run, start -a).
	Attachment = container.Attachment
	// Monitor is a monitor process started ahead of its container
	// (SpawnMonitor), for StartOptions.Monitor.
	Monitor     = container.Monitor
	LogOptions  = container.LogOptions
	ExecOptions = container.ExecOptions
	Sample      = container.Sample
	// Change is one path a container added, changed or deleted (docker
	// diff).
	Change = container.Change

	StartError      = container.StartError
	NotRunningError = container.NotRunningError
	RunningError    = container.RunningError
	NameInUseError  = container.NameInUseError
)

// A container's statuses, with Docker's names.
const (
	Created    = container.Created
	Running    = container.Running
	Restarting = container.Restarting
	Exited     = container.Exited
	Dead       = container.Dead
)

// ErrDetached ends an attachment the user left with the detach keys.
var ErrDetached = container.ErrDetached

// Image values.
type (
	Image                 = image.Image
	Reference             = image.Reference
	PullEvent             = image.Event
	PullOptions           = image.PullOptions
	HistoryItem           = image.HistoryItem
	ImagePruneReport      = image.PruneReport
	LoadedImage           = image.Loaded
	PushEvent             = registry.PushEvent
	NotLocalError         = registry.NotLocalError
	RemoveImageOptions    = image.RemoveOptions
	RemovedImage          = image.Removed
	InvalidReferenceError = image.InvalidReferenceError
)

// Pull statuses whose events carry a byte count.
const (
	PullDownloading = image.StatusDownloading
	PullExtracting  = image.StatusExtracting
)

// Network values.
type (
	Network              = network.Network
	NetworkInfo          = network.Info
	NetworkCreateOptions = network.CreateOptions
	// PublishedPort is a port a running container publishes, host port
	// chosen (docker port, ps).
	PublishedPort = network.PortBinding
	// NetworkMode is --network (ParseNetworkMode).
	NetworkMode = network.Mode
	// Port is a container port with its protocol: 80/tcp.
	Port = network.Port
)

// ParseNetworkMode reads --network or the API's HostConfig.NetworkMode:
// "" and "default" are the default bridge.
func ParseNetworkMode(s string) (NetworkMode, error) {
	m, err := network.ParseMode(s)
	if err != nil {
		return "", Invalid(err)
	}
	return m, nil
}

// ParsePort reads a container port as Docker writes it: 80 or 80/udp.
func ParsePort(s string) (Port, error) { return network.ParsePort(s) }

// Volume values.
type (
	Volume              = volume.Volume
	VolumeCreateOptions = volume.CreateOptions
	// MountSpec is one parsed -v, --mount or --tmpfs (ParseMounts,
	// ParseTmpfs).
	MountSpec = volume.Spec
)

// ParseSignal reads a signal as docker kill --signal takes it: a name
// with or without SIG, or a number.
func ParseSignal(s string) (unix.Signal, error) { return container.ParseSignal(s) }

// ParseReference parses an image reference (docker.io/library/ implied).
func ParseReference(s string) (Reference, error) { return image.ParseReference(s) }

// ParseTmpfs parses one --tmpfs value (or one of the API's HostConfig.Tmpfs
// entries) into a mount.
func ParseTmpfs(value string) (MountSpec, error) {
	m, err := volume.TmpfsMount(value)
	if err != nil {
		return MountSpec{}, Invalid(err)
	}
	s, err := volume.ParseMount(m)
	if err != nil {
		return MountSpec{}, Invalid(err)
	}
	return s, nil
}

// ShortNetworkID is a network id as docker network ls shows it.
func ShortNetworkID(id string) string { return network.ShortID(id) }

// UnpackContext writes a build context tar into dir, refusing entries that
// leave it.
func UnpackContext(r io.Reader, dir string) error {
	_, err := image.Unpack(r, dir)
	return err
}

// CheckUpperFS tells whether dir's file system can hold a container's
// writable layer (overlayfs upper and work directories), for dockyard
// doctor.
func CheckUpperFS(dir string) error { return container.CheckUpperFS(dir) }
