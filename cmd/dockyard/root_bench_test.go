package main

import (
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

// The command tree is built in every dockyard start: these are its costs
// for a command outside docker, for `docker run`, and for the whole tree.
func benchmarkTree(b *testing.B, expand func(f *factory.Factory)) {
	ios, _, _, _ := iostreams.Test()
	f := &factory.Factory{IOStreams: ios, Root: b.TempDir(), Version: "bench"}
	b.ReportAllocs()
	for b.Loop() {
		expand(f)
	}
}

func BenchmarkTreeProgress(b *testing.B) {
	benchmarkTree(b, func(f *factory.Factory) { cli.Expand(NewCmdRoot(f), []string{"progress"}) })
}

func BenchmarkTreeDockerRun(b *testing.B) {
	benchmarkTree(b, func(f *factory.Factory) {
		cli.Expand(NewCmdRoot(f), []string{"docker", "run", "--rm", "--network", "none", "busybox", "true"})
	})
}

func BenchmarkTreeAll(b *testing.B) {
	benchmarkTree(b, func(f *factory.Factory) { cli.ExpandAll(NewCmdRoot(f)) })
}
