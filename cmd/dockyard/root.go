package main

import (
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/author"
	"github.com/dockyard-lab/dockyard/cmd/cli"
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
	root := cli.NewRoot(f)
	root.AddCommand(newCmdVersion(f))
	root.AddCommand(docker.NewCmdDocker(f))
	root.AddCommand(learn.Commands(f)...)
	root.AddCommand(author.NewCmdAuthor(f))
	root.AddCommand(registry.NewCmdRegistry(f))
	root.AddCommand(images.NewCmdImages(f))
	root.AddCommand(vmcmd.NewCmdVM(f))
	root.AddCommand(compare.NewCmdCompare(f, nil))
	root.AddCommand(serve.NewCmdServe(f, nil))
	helpLang := func() string { return learn.HelpLang(f) }
	cli.LocalizeHelp(root, helpLang)
	f.MessageLang = helpLang
	return root
}
