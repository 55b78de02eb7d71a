package monitor

import (
	"context"
	"errors"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// NetworkConfig is the networking a container's spec asks for
// (--network and -p as the container store keeps them).
func NetworkConfig(c *container.Container) network.Config {
	cfg := network.Config{Name: c.Name}
	switch mode := c.Spec.Host.NetworkMode; mode {
	case "", "default":
	default:
		cfg.Networks = []network.EndpointRequest{{Network: mode}}
	}
	cfg.Ports = Ports(c.Spec.Host.PortBindings)
	return cfg
}

// Ports converts Docker-style port bindings ("80/tcp" -> host ip
// and port, empty for any address or a random port).
func Ports(pb map[string][]container.PortBinding) []network.PortBinding {
	var out []network.PortBinding
	for key, binds := range pb {
		port, proto, _ := strings.Cut(key, "/")
		if proto == "" {
			proto = "tcp"
		}
		cp, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			continue
		}
		for _, b := range binds {
			nb := network.PortBinding{HostIP: netip.IPv4Unspecified(), ContainerPort: uint16(cp), Proto: proto}
			if ip, err := netip.ParseAddr(b.HostIP); err == nil {
				nb.HostIP = ip
			}
			if hp, err := strconv.ParseUint(b.HostPort, 10, 16); err == nil {
				nb.HostPort = uint16(hp)
			}
			out = append(out, nb)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ContainerPort != out[j].ContainerPort {
			return out[i].ContainerPort < out[j].ContainerPort
		}
		return out[i].HostPort < out[j].HostPort
	})
	return out
}

// ReconcileNetworks removes what crashed monitors left: the networking of
// containers that are not running, and that of removed ones.
//
// Each container is read when the network state names it, not from a list
// taken before: a monitor claims its container before it attaches the
// network, and a create records the container before its network config,
// so a fresh read sees the container that owns what the state holds. (A
// list taken first missed both, and a reconcile beside a `docker start`
// of an exited container took its network namespace away mid-start.)
func ReconcileNetworks(ctx context.Context, root string) error {
	cs, err := container.Open(root)
	if err != nil {
		return err
	}
	ns, err := network.Open(root)
	if err != nil {
		return err
	}
	exists := func(id string) bool {
		_, err := cs.Get(id)
		return err == nil
	}
	alive := func(id string) bool {
		c, err := cs.Get(id)
		if err != nil {
			return false
		}
		switch c.State.Status {
		case container.Running, container.Restarting, container.Created:
			return true
		}
		return c.MonitorAlive()
	}
	return errors.Join(ns.ForgetGone(ctx, exists), ns.Reconcile(ctx, alive))
}
