package fake_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/checkertest"
	"github.com/dockyard-lab/dockyard/checker/fake"
)

// backend sets the fake's state up as a real engine would end up: commands
// of exited containers and execs run on the host, and a container running
// httpd is an HTTP server on its published port.
type backend struct {
	e *fake.Engine
}

func (b *backend) Engine() checker.Engine { return b.e }
func (b *backend) Image() string          { return "localhost/ck-busybox:test" }
func (b *backend) NetNS() bool            { return false }

func (b *backend) Run(t testing.TB, c checkertest.Container) {
	ctr := checker.Container{Name: c.Name, Image: b.Image(), ImageID: "sha256:bb", Env: append([]string{"PATH=/bin"}, c.Env...),
		Labels: c.Labels, Mounts: c.Mounts, Restart: c.Restart, Command: c.Cmd, Status: "running"}
	if c.Network == "none" {
		ctr.Networks = []checker.Endpoint{{Network: "none"}}
	} else if c.Network != "" {
		ctr.Networks = []checker.Endpoint{{Network: c.Network, IP: "10.89.77.2", Aliases: c.Aliases}}
	}
	ctr.StartedAt = time.Now()
	for _, p := range c.Publish {
		ctr.Bindings = append(ctr.Bindings, checker.Port{ContainerPort: p.ContainerPort, Proto: "tcp", HostIP: p.HostIP, HostPort: p.HostPort})
		if !c.Exited {
			ctr.Ports = append(ctr.Ports, ctr.Bindings[len(ctr.Bindings)-1])
		}
		if c.Cmd[0] == "httpd" {
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				fmt.Fprintln(w, "hello from busybox httpd")
			}))
			l, err := listen(p)
			if err != nil {
				t.Fatal(err)
			}
			srv.Listener = l
			srv.Start()
			t.Cleanup(srv.Close)
		}
	}
	if c.Exited {
		ctr.Status, ctr.FinishedAt = "exited", time.Now()
		err := exec.Command(c.Cmd[0], c.Cmd[1:]...).Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			ctr.ExitCode = ee.ExitCode()
		}
	}
	b.e.AddContainer(ctr)
}

func (b *backend) CreateNetwork(_ testing.TB, name, subnet string) {
	b.e.AddNetwork(checker.Network{Name: name, Driver: "bridge", Subnets: []string{subnet}})
}

func (b *backend) CreateVolume(_ testing.TB, name string, files map[string]string) {
	b.e.AddVolume(checker.Volume{Name: name, Driver: "local"}, files)
}

func TestSuite(t *testing.T) {
	e := &fake.Engine{}
	e.AddImage(checker.Image{ID: "sha256:bb", Tags: []string{"localhost/ck-busybox:test"}, Env: []string{"PATH=/bin"},
		Cmd: []string{"sh"}, Exposed: []string{"80/tcp"}, Labels: map[string]string{"org.dockyard.test": "busybox"},
		Layers: []string{"sha256:l1"}})
	e.ExecHandler = func(_ string, cmd []string, _ string) checker.ExecResult {
		c := exec.Command(cmd[0], cmd[1:]...)
		c.Env = []string{"PATH=/bin:/usr/bin", "GREETING=hi"}
		out, err := c.Output()
		var ee *exec.ExitError
		code := 0
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		}
		return checker.ExecResult{ExitCode: code, Stdout: string(out)}
	}
	checkertest.Run(t, &backend{e: e})
}

func listen(p checkertest.Publish) (net.Listener, error) {
	return net.Listen("tcp", fmt.Sprintf("%s:%d", p.HostIP, p.HostPort))
}
