package container_test

import (
	"testing"

	dcontainer "github.com/dockyard-lab/dockyard/cmd/docker/container"
	"github.com/dockyard-lab/dockyard/sandbox/container"
)

// TestPortsColumn: PORTS shows published and exposed ports while the
// container runs, and nothing once it is not running, as Docker's ps.
func TestPortsColumn(t *testing.T) {
	spec := container.Spec{
		Config: container.Config{ExposedPorts: []string{"80/tcp", "443/tcp"}},
		Host: container.HostConfig{PortBindings: map[string][]container.PortBinding{
			"80/tcp": {{HostPort: "18181"}, {HostIP: "127.0.0.1", HostPort: "18182"}},
		}},
	}
	tests := []struct {
		status container.Status
		want   string
	}{
		{container.Running, "0.0.0.0:18181->80/tcp, 127.0.0.1:18182->80/tcp, 443/tcp"},
		{container.Created, ""},
		{container.Exited, ""},
		{container.Restarting, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			c := &container.Container{Spec: spec, State: container.State{Status: tt.status}}
			if got := dcontainer.Ports(c); got != tt.want {
				t.Errorf("Ports(%s container) = %q, want %q", tt.status, got, tt.want)
			}
		})
	}
}

func TestPortsColumnHostNetwork(t *testing.T) {
	c := &container.Container{
		Spec: container.Spec{Host: container.HostConfig{NetworkMode: "host", PortBindings: map[string][]container.PortBinding{
			"80/tcp": {{HostPort: "18181"}},
		}}},
		State: container.State{Status: container.Running},
	}
	if got := dcontainer.Ports(c); got != "" {
		t.Errorf("Ports(running container on the host network) = %q, want none", got)
	}
}
