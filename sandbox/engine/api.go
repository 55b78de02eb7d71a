package engine

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/docker/go-units"
	apinet "github.com/moby/moby/api/types/network"
	apivol "github.com/moby/moby/api/types/volume"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// The Docker Engine API shapes of Dockyard's objects, shared by the CLI's
// inspect commands and the API server (dockyard serve) so that both print
// the same JSON.

// NetworkInspect converts a network to the Docker Engine API's shape
// (GET /networks/{id}); prefix is the network store's (Store.Prefix).
func NetworkInspect(in network.Info, prefix string) apinet.Inspect {
	n := apinet.Inspect{
		Network: apinet.Network{
			Name: in.Name, ID: in.ID, Created: in.Created, Scope: "local", Driver: in.Driver,
			EnableIPv4: in.Driver == network.DriverBridge,
			IPAM:       apinet.IPAM{Driver: "default", Config: []apinet.IPAMConfig{}},
			Internal:   in.Internal,
			Options:    map[string]string{},
			Labels:     in.Labels,
		},
		Containers: map[string]apinet.EndpointResource{},
	}
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	if in.Subnet.IsValid() {
		n.IPAM.Config = append(n.IPAM.Config, apinet.IPAMConfig{Subnet: in.Subnet, Gateway: in.Gateway})
		n.Options["com.docker.network.bridge.name"] = in.Bridge
	}
	for _, ep := range in.Endpoints {
		mac, _ := net.ParseMAC(ep.MAC)
		n.Containers[ep.Container] = apinet.EndpointResource{
			Name: ep.ContainerName, EndpointID: ep.ID, MacAddress: apinet.HardwareAddr(mac),
			IPv4Address: netip.PrefixFrom(ep.IP, in.Subnet.Bits()),
		}
	}
	return n
}

// VolumeInspect converts a volume to the Docker Engine API's shape
// (GET /volumes/{name}).
func VolumeInspect(v *volume.Volume) apivol.Volume {
	labels := v.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	return apivol.Volume{
		CreatedAt:  v.CreatedAt.Format(time.RFC3339),
		Driver:     v.Driver,
		Labels:     labels,
		Mountpoint: v.Mountpoint,
		Name:       v.Name,
		Options:    map[string]string{},
		Scope:      "local",
	}
}

// ContainerStatus is Docker's human status of a container, as `docker ps`
// shows it and GET /containers/json returns it: "Up 3 seconds",
// "Exited (0) 5 seconds ago", "Created", "Restarting (1) 2 seconds ago".
func ContainerStatus(c *container.Container, now time.Time) string {
	st := c.State
	switch st.Status {
	case container.Running:
		up := "Up " + units.HumanDuration(now.Sub(st.StartedAt))
		if h := st.Health; h != nil && h.Status != "" {
			if h.Status == container.HealthStarting {
				return up + " (health: starting)"
			}
			return up + " (" + h.Status + ")"
		}
		return up
	case container.Restarting:
		return fmt.Sprintf("Restarting (%d) %s ago", st.ExitCode, units.HumanDuration(now.Sub(st.FinishedAt)))
	case container.Exited:
		if st.FinishedAt.IsZero() {
			return "Created"
		}
		return fmt.Sprintf("Exited (%d) %s ago", st.ExitCode, units.HumanDuration(now.Sub(st.FinishedAt)))
	case container.Created:
		return "Created"
	}
	return string(st.Status)
}
