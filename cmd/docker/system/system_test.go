package system

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

func TestVersionShowsClientAndEngine(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	f := &factory.Factory{IOStreams: ios, Version: "1.2.3"}
	if err := versionRun(context.Background(), &VersionOptions{Factory: f, Out: out}); err != nil {
		t.Fatalf("versionRun() error = %v", err)
	}
	for _, want := range []string{
		// Values start in column 20, as in docker version's template.
		"Client: Dockyard\n Version:           1.2.3\n",
		" API version:       1.50\n",
		"Server: Dockyard Engine (in-process, no daemon)\n Engine:\n  Version:          1.2.3\n",
		"  API version:      1.50 (minimum version 1.24)\n",
		"runc (libcontainer):\n  Version:          ",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("docker version output =\n%s\nwant it to contain %q", out, want)
		}
	}
}

func TestInfoCountsWhatTheEngineHolds(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ios, _, out, _ := iostreams.Test()
	root := t.TempDir()
	f := &factory.Factory{IOStreams: ios, Root: root, Version: "test"}
	if err := infoRun(context.Background(), &InfoOptions{Factory: f, Out: out}); err != nil {
		t.Fatalf("infoRun() error = %v", err)
	}
	for _, want := range []string{
		" Containers: 0\n  Running: 0\n  Paused: 0\n  Stopped: 0\n Images: 0\n",
		" Storage Driver: overlay2\n",
		" Cgroup Driver: cgroupfs\n",
		" Security Options:\n  seccomp\n   Profile: builtin\n",
		" Docker Root Dir: " + root + "\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("docker info output =\n%s\nwant it to contain %q", out, want)
		}
	}
}
