package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/author"
	"github.com/dockyard-lab/dockyard/cmd/compare"
	"github.com/dockyard-lab/dockyard/cmd/docker"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/images"
	"github.com/dockyard-lab/dockyard/cmd/learn"
	"github.com/dockyard-lab/dockyard/cmd/registry"
	"github.com/dockyard-lab/dockyard/cmd/serve"
	vmcmd "github.com/dockyard-lab/dockyard/cmd/vm"
)

// NewCmdRoot builds the dockyard command tree.
func NewCmdRoot(f *factory.Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "dockyard",
		Short: "A learn-by-doing lab for containers",
		Long: `Dockyard teaches containers by doing: read a short lesson, run real docker
commands against Dockyard's own sandboxed engine, and let "dockyard check"
tell you whether what you built is really there.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       f.Version,
	}
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	root.SetIn(f.IOStreams.In)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &factory.FlagError{Err: err}
	})
	root.PersistentFlags().StringVar(&f.Root, "root", f.Root, "engine state directory (env DOCKYARD_ROOT)")
	root.PersistentFlags().BoolVar(&f.Debug, "debug", false, "show full error details")
	root.PersistentFlags().StringVar(&f.Lang, "lang", "", `language of lessons and messages: "en" or "ko" (default from LANG)`)

	root.AddCommand(newCmdVersion(f))
	root.AddCommand(docker.NewCmdDocker(f))
	root.AddCommand(learn.Commands(f)...)
	root.AddCommand(author.NewCmdAuthor(f))
	root.AddCommand(registry.NewCmdRegistry(f))
	root.AddCommand(images.NewCmdImages(f))
	root.AddCommand(vmcmd.NewCmdVM(f))
	root.AddCommand(compare.NewCmdCompare(f, nil))
	root.AddCommand(serve.NewCmdServe(f, nil))
	return root
}

// isDockerCommand reports whether a command path lies under `dockyard docker`.
func isDockerCommand(path string) bool {
	fields := strings.Fields(path)
	return len(fields) > 1 && fields[1] == "docker"
}

// dockerPath turns "dockyard docker run" into "docker run", the name a
// student typed.
func dockerPath(path string) string {
	if isDockerCommand(path) {
		return strings.TrimPrefix(path, "dockyard ")
	}
	return path
}
