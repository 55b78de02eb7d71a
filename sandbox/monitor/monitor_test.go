package monitor_test

import (
	"os/exec"
	"strings"
	"testing"
)

// The monitor binary idles beside every running container and starts
// every container's init: it must not grow the image store, the registry
// client or the command line (see the package comment).
func TestMonitorBinaryStaysSmall(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go toolchain to list the monitor's packages")
	}
	const self = "github.com/dockyard-lab/dockyard/cmd/dockyard-monitor"
	out, err := exec.Command(goBin, "list", "-tags", "seccomp", "-deps", self).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{
			"github.com/dockyard-lab/dockyard/sandbox/image",
			"github.com/dockyard-lab/dockyard/sandbox/engine",
			"github.com/dockyard-lab/dockyard/cmd/",
			"github.com/google/go-containerregistry/",
			"github.com/spf13/cobra",
			"github.com/charmbracelet/",
			"net/http",
		} {
			if pkg != self && strings.HasPrefix(pkg, banned) {
				t.Errorf("dockyard-monitor imports %s", pkg)
			}
		}
	}
}
