package main

import (
	"sort"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

// TestRuntimeKnowsTheGlobalFlags: docker command lines run in
// dockyard-runtime (fastdocker.go), whose root command repeats these
// global flags (cmd/dockyard-runtime/docker.go). A new global flag must be
// added there too.
func TestRuntimeKnowsTheGlobalFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	root := NewCmdRoot(&factory.Factory{IOStreams: ios, Root: t.TempDir()})
	var names []string
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	sort.Strings(names)
	got := strings.Join(names, " ")
	if want := "debug lang root"; got != want {
		t.Errorf("dockyard's global flags = %q, want %q: add the new ones to cmd/dockyard-runtime/docker.go too", got, want)
	}
}
