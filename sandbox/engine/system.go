package engine

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/moby/moby/api/types/registry"
	"github.com/moby/moby/api/types/system"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/container"
)

// The Docker Engine API versions Dockyard speaks (`dockyard serve`), shown by
// `docker version` too.
const (
	APIVersion    = "1.50"
	MinAPIVersion = "1.24"
)

// KernelVersion returns the host's kernel release, as `uname -r` prints it.
func KernelVersion() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// RuncVersion returns the version of libcontainer built into this binary.
func RuncVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/opencontainers/runc" {
				return m.Version
			}
		}
	}
	return "unknown"
}

// Version describes the engine in the shape of Docker's GET /version.
func Version(version string) system.VersionResponse {
	return system.VersionResponse{
		Platform:      struct{ Name string }{Name: "Dockyard"},
		Version:       version,
		APIVersion:    APIVersion,
		MinAPIVersion: MinAPIVersion,
		GoVersion:     runtime.Version(),
		Os:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		KernelVersion: KernelVersion(),
		GitCommit:     version,
		Components: []system.ComponentVersion{
			{
				Name: "Engine", Version: version,
				// docker version prints every one of these keys (its
				// template indexes them): without GitCommit and
				// Experimental their rows were empty.
				Details: map[string]string{"ApiVersion": APIVersion, "MinAPIVersion": MinAPIVersion, "Os": runtime.GOOS, "Arch": runtime.GOARCH, "GoVersion": runtime.Version(), "KernelVersion": KernelVersion(),
					"GitCommit": version, "Experimental": "false"},
			},
			{Name: "runc (libcontainer)", Version: RuncVersion()},
		},
	}
}

// Info describes the engine and what it holds in the shape of Docker's
// GET /info.
func (e *Engine) Info(ctx context.Context, version string) (system.Info, error) {
	all, err := e.containers.List()
	if err != nil {
		return system.Info{}, err
	}
	info := system.Info{
		ID:                 "dockyard",
		Driver:             "overlay2",
		DockerRootDir:      e.Root(),
		OperatingSystem:    "Dockyard sandbox",
		OSType:             runtime.GOOS,
		Architecture:       runtime.GOARCH,
		KernelVersion:      KernelVersion(),
		NCPU:               runtime.NumCPU(),
		ServerVersion:      version,
		LoggingDriver:      "json-file",
		CgroupDriver:       "cgroupfs",
		CgroupVersion:      cgroupVersion(),
		DefaultRuntime:     "runc",
		SystemTime:         time.Now().Format(time.RFC3339Nano),
		IndexServerAddress: "https://index.docker.io/v1/",
		SecurityOptions:    []string{"name=seccomp,profile=builtin"},
	}
	if host, err := os.Hostname(); err == nil {
		info.Name = host
	}
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		info.MemTotal = int64(si.Totalram) * int64(si.Unit)
	}
	for _, c := range all {
		info.Containers++
		switch c.State.Status {
		case container.Running, container.Restarting:
			info.ContainersRunning++
		default:
			info.ContainersStopped++
		}
	}
	imgs, err := e.images.List(ctx)
	if err != nil {
		return system.Info{}, err
	}
	info.Images = len(imgs)
	if cfg, err := e.RegistryConfig(); err == nil {
		info.RegistryConfig = &registry.ServiceConfig{Mirrors: cfg.Mirrors}
	}
	return info, nil
}

// cgroupVersion is "2" on a unified hierarchy and "1" otherwise.
func cgroupVersion() string {
	var st unix.Statfs_t
	if unix.Statfs("/sys/fs/cgroup", &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
		return "2"
	}
	return "1"
}
