// Package system is `docker version`, `docker info` and `docker system`
// (info, df, prune, events): what the client and the engine are, what the engine
// holds and the disk it takes.
package system

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/docker/go-units"
	"github.com/moby/moby/api/types/system"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// AddCommands adds `version`, `info` and the `system` group to docker.
func AddCommands(parent *cobra.Command, f *factory.Factory) {
	sys := &cobra.Command{
		Use:   "system",
		Short: "Manage Dockyard's engine",
		Args:  cobra.NoArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	sys.AddCommand(NewCmdInfo(f, nil), NewCmdPrune(f, nil), NewCmdDf(f, nil), NewCmdEvents(f, nil))
	parent.AddCommand(NewCmdVersion(f, nil), NewCmdInfo(f, nil), NewCmdEvents(f, nil), sys)
}

// VersionOptions are docker version's arguments.
type VersionOptions struct {
	Factory *factory.Factory
	Out     io.Writer
}

// NewCmdVersion returns `docker version`.
func NewCmdVersion(f *factory.Factory, runF func(*VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{Factory: f, Out: f.IOStreams.Out}
	return &cobra.Command{
		Use:   "version",
		Short: "Show the Docker client and engine version information",
		Long: `Show the client and the engine, as Docker does.

On real Docker the client (the docker command) talks to a separate engine
process, the daemon, through its API. Dockyard has no daemon: the engine runs
inside the dockyard command itself (or behind "dockyard serve", which speaks
Docker's API), so both halves show the same build.`,
		Args: cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return versionRun(c.Context(), opts)
		},
	}
}

func versionRun(ctx context.Context, opts *VersionOptions) error {
	v := engine.Version(opts.Factory.Version)
	w := opts.Out
	fmt.Fprintf(w, "Client: Dockyard\n")
	row(w, 1, "Version", opts.Factory.Version)
	row(w, 1, "API version", engine.APIVersion)
	row(w, 1, "Go version", runtime.Version())
	row(w, 1, "OS/Arch", runtime.GOOS+"/"+runtime.GOARCH)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Server: Dockyard Engine (in-process, no daemon)\n")
	fmt.Fprintf(w, " Engine:\n")
	row(w, 2, "Version", v.Version)
	row(w, 2, "API version", fmt.Sprintf("%s (minimum version %s)", v.APIVersion, v.MinAPIVersion))
	row(w, 2, "Go version", v.GoVersion)
	row(w, 2, "OS/Arch", v.Os+"/"+v.Arch)
	row(w, 2, "Kernel", v.KernelVersion)
	fmt.Fprintf(w, " runc (libcontainer):\n")
	row(w, 2, "Version", engine.RuncVersion())
	return nil
}

// row prints one "  Name:   value" line aligned as docker version aligns
// them: every value starts in column 20, under the client's and the
// engine's rows alike (docker/cli cli/command/system/version.go's template).
func row(w io.Writer, indent int, name, value string) {
	pad := strings.Repeat(" ", indent)
	fmt.Fprintf(w, "%s%-*s%s\n", pad, 20-indent, name+":", value)
}

// InfoOptions are docker info's arguments.
type InfoOptions struct {
	Factory *factory.Factory
	Out     io.Writer
}

// NewCmdInfo returns `docker info`.
func NewCmdInfo(f *factory.Factory, runF func(*InfoOptions) error) *cobra.Command {
	opts := &InfoOptions{Factory: f, Out: f.IOStreams.Out}
	return &cobra.Command{
		Use:   "info",
		Short: "Display system-wide information",
		Args:  cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return infoRun(c.Context(), opts)
		},
	}
}

func infoRun(ctx context.Context, opts *InfoOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	info, err := e.Info(ctx, opts.Factory.Version)
	if err != nil {
		return cli.DaemonError(err)
	}
	printInfo(opts.Out, info)
	return nil
}

// printInfo writes info in docker info's layout (the Server half).
func printInfo(w io.Writer, info system.Info) {
	fmt.Fprintf(w, "Client: Dockyard\n")
	fmt.Fprintf(w, " Version:    %s\n", info.ServerVersion)
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Server:\n")
	fmt.Fprintf(w, " Containers: %d\n", info.Containers)
	fmt.Fprintf(w, "  Running: %d\n", info.ContainersRunning)
	fmt.Fprintf(w, "  Paused: %d\n", info.ContainersPaused)
	fmt.Fprintf(w, "  Stopped: %d\n", info.ContainersStopped)
	fmt.Fprintf(w, " Images: %d\n", info.Images)
	fmt.Fprintf(w, " Server Version: %s\n", info.ServerVersion)
	fmt.Fprintf(w, " Storage Driver: %s\n", info.Driver)
	fmt.Fprintf(w, " Logging Driver: %s\n", info.LoggingDriver)
	fmt.Fprintf(w, " Cgroup Driver: %s\n", info.CgroupDriver)
	fmt.Fprintf(w, " Cgroup Version: %s\n", info.CgroupVersion)
	fmt.Fprintf(w, " Default Runtime: %s\n", info.DefaultRuntime)
	fmt.Fprintf(w, " Security Options:\n")
	for _, o := range info.SecurityOptions {
		name, profile, _ := strings.Cut(strings.TrimPrefix(o, "name="), ",profile=")
		fmt.Fprintf(w, "  %s\n", name)
		if profile != "" {
			fmt.Fprintf(w, "   Profile: %s\n", profile)
		}
	}
	fmt.Fprintf(w, " Kernel Version: %s\n", info.KernelVersion)
	fmt.Fprintf(w, " Operating System: %s\n", info.OperatingSystem)
	fmt.Fprintf(w, " OSType: %s\n", info.OSType)
	fmt.Fprintf(w, " Architecture: %s\n", info.Architecture)
	fmt.Fprintf(w, " CPUs: %d\n", info.NCPU)
	fmt.Fprintf(w, " Total Memory: %s\n", units.BytesSize(float64(info.MemTotal)))
	fmt.Fprintf(w, " Name: %s\n", info.Name)
	fmt.Fprintf(w, " Docker Root Dir: %s\n", info.DockerRootDir)
	if info.RegistryConfig != nil && len(info.RegistryConfig.Mirrors) > 0 {
		fmt.Fprintf(w, " Registry Mirrors:\n")
		for _, m := range info.RegistryConfig.Mirrors {
			fmt.Fprintf(w, "  %s\n", m)
		}
	}
}
