package monitor_test

import (
	"net/netip"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/monitor"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

func TestNetworkConfigFromTheContainersSpec(t *testing.T) {
	c := &container.Container{Name: "web"}
	c.Spec.Host.NetworkMode = "my-bridge-network"
	c.Spec.Host.PortBindings = map[string][]container.PortBinding{
		"5432/tcp": {{HostIP: "127.0.0.1", HostPort: "5433"}},
		"53/udp":   {{HostPort: ""}}, // -p 53/udp: any address, a random port
	}
	got := monitor.NetworkConfig(c)
	want := network.Config{
		Name:     "web",
		Networks: []network.EndpointRequest{{Network: "my-bridge-network"}},
		Ports: []network.PortBinding{
			{HostIP: netip.IPv4Unspecified(), ContainerPort: 53, Proto: "udp"},
			{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: 5433, ContainerPort: 5432, Proto: "tcp"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NetworkConfig = %+v\nwant %+v", got, want)
	}

	// The default network is the engine's choice, not a named request.
	c.Spec.Host.NetworkMode = "default"
	if got := monitor.NetworkConfig(c); got.Networks != nil {
		t.Errorf("--network default asks for %+v, want no named network", got.Networks)
	}
}

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
