package main

import (
	"path/filepath"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker"
	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// version is set at build time with -ldflags "-X main.version=...", as
// dockyard's.
var version = "dev"

// isDocker reports whether argv is a `dockyard docker ...` or `docker ...`
// command line, the ones dockyard hands to this binary (cmd/dockyard's
// fastdocker.go).
func isDocker(argv []string) bool {
	return filepath.Base(argv[0]) == "docker" || len(argv) > 1 && argv[1] == "docker"
}

// runDocker is `dockyard docker ...` without the rest of dockyard: the same
// command tree (cmd/docker), global flags and exit codes as
// cmd/dockyard's root and main.
func runDocker(f *factory.Factory, argv []string) int {
	root := cli.NewRoot(f)
	root.AddCommand(docker.NewCmdDocker(f))
	return cli.Run(f, root, argv)
}
