// Command dockyard is a learn-by-doing lab for containers: guided lessons, a
// checker, and the small real container engine they run against. Run through
// a symlink named docker, it behaves as `dockyard docker`.
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	// Re-executed as a container's init or monitor: never returns.
	engine.Reexec()
	os.Exit(run(factory.New(version), os.Args))
}

// run executes the command line and returns the exit code, decided here in
// one place from the error's type.
func run(f *factory.Factory, argv []string) int {
	args := argv[1:]
	if filepath.Base(argv[0]) == "docker" {
		args = append([]string{"docker"}, args...)
	}
	root := NewCmdRoot(f)
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return 0
	}
	path := "dockyard"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	return exitCode(f, err, isDockerCommand(path), path)
}

func exitCode(f *factory.Factory, err error, inDocker bool, path string) int {
	stderr := f.IOStreams.ErrOut
	var status *factory.StatusError
	if errors.As(err, &status) {
		if status.Message != "" {
			fmt.Fprintln(stderr, status.Message)
		}
		return status.Code
	}
	var flagErr *factory.FlagError
	if errors.As(err, &flagErr) {
		fmt.Fprintln(stderr, flagErr.Error())
		fmt.Fprintf(stderr, "See '%s --help'.\n", dockerPath(path))
		if inDocker {
			return 125
		}
		return 2
	}
	if inDocker {
		// Docker prints engine errors as they are and exits 125 from run-like
		// commands and 1 from the rest; commands that care return StatusError.
		fmt.Fprintln(stderr, err.Error())
		return 1
	}
	if f.Debug {
		fmt.Fprintf(stderr, "Error: %+v\n", err)
	} else {
		fmt.Fprintf(stderr, "Error: %s\n", err.Error())
	}
	return 1
}
