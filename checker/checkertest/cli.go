package checkertest

import (
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/checker"
)

// CLI is a Backend that sets state up with a docker-compatible command line
// (podman, or `dockyard docker`) and reads it through Eng.
type CLI struct {
	// Command is the docker command, e.g. ["dockyard", "--root", dir, "docker"].
	Command []string
	Env     []string
	Img     string
	Eng     checker.Engine
	// RealNetNS is NetNS's answer.
	RealNetNS bool
}

// Docker runs the docker command line with args and returns its output.
func (c *CLI) Docker(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command(c.Command[0], append(slices.Clone(c.Command[1:]), args...)...)
	cmd.Env = c.Env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s %s: %v\n%s", strings.Join(c.Command, " "), strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (c *CLI) Engine() checker.Engine { return c.Eng }
func (c *CLI) Image() string          { return c.Img }
func (c *CLI) NetNS() bool            { return c.RealNetNS }

func (c *CLI) Run(t testing.TB, ct Container) {
	args := []string{"run", "-d", "--name", ct.Name}
	for _, e := range ct.Env {
		args = append(args, "-e", e)
	}
	for k, v := range ct.Labels {
		args = append(args, "--label", k+"="+v)
	}
	if ct.Network != "" {
		args = append(args, "--network", ct.Network)
	}
	for _, a := range ct.Aliases {
		args = append(args, "--network-alias", a)
	}
	for _, pub := range ct.Publish {
		args = append(args, "-p", fmt.Sprintf("%s:%d:%d", pub.HostIP, pub.HostPort, pub.ContainerPort))
	}
	for _, m := range ct.Mounts {
		v := m.Source + ":" + m.Destination
		if m.ReadOnly {
			v += ":ro"
		}
		args = append(args, "-v", v)
	}
	if ct.Restart != "" {
		args = append(args, "--restart", ct.Restart)
	}
	c.Docker(t, append(append(args, c.Img), ct.Cmd...)...)
	if ct.Exited {
		c.Docker(t, "wait", ct.Name)
	}
}

func (c *CLI) CreateNetwork(t testing.TB, name, subnet string) {
	c.Docker(t, "network", "create", "--subnet", subnet, name)
}

// CreateVolume creates the volume and writes its files from a container,
// as a student would.
func (c *CLI) CreateVolume(t testing.TB, name string, files map[string]string) {
	c.Docker(t, "volume", "create", name)
	for path, content := range files {
		c.Docker(t, "run", "--rm", "-v", name+":/v", "-e", "CONTENT="+content, c.Img,
			"sh", "-c", `printf %s "$CONTENT" > "/v/$0"`, path)
	}
}
