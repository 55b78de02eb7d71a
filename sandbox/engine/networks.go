package engine

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// Networks opens the network store (<root>/networks).
func (e *Engine) Networks() (*network.Store, error) { return network.Open(e.root) }

// NetworkHooks are the container monitor's hooks for networking and
// volumes: before each start the container's volumes are filled from the
// image on first use, its network namespace is prepared (network.Store.Start)
// and its port proxies and DNS responder opened; after each exit its
// networking is released.
func NetworkHooks(root string) container.Hooks {
	return container.Hooks{
		Prestart: func(ctx context.Context, c *container.Container) (container.Network, error) {
			if err := prepareVolumes(c); err != nil {
				return container.Network{}, err
			}
			ns, err := network.Open(root)
			if err != nil {
				return container.Network{}, err
			}
			cs, err := container.Open(root)
			if err != nil {
				return container.Network{}, err
			}
			if _, ok := ns.ConfigOf(c.ID); !ok {
				if err := ns.Configure(ctx, c.ID, ConfigFromSpec(c)); err != nil {
					return container.Network{}, err
				}
			}
			hostname := c.Spec.Config.Hostname
			if hostname == "" {
				hostname = c.ShortID()
			}
			att, err := ns.Start(ctx, c.ID, hostname, cs.ResolvConfPath(c.ID), cs.HostsPath(c.ID))
			var pc *network.PortConflictError
			if errors.As(err, &pc) && pc.Holder != "" {
				// The holder may be a container whose monitor was killed:
				// clean up after the dead and try once more.
				e := &Engine{root: root}
				if e.ReconcileNetworks(ctx) == nil {
					att, err = ns.Start(ctx, c.ID, hostname, cs.ResolvConfPath(c.ID), cs.HostsPath(c.ID))
				}
			}
			if err != nil {
				return container.Network{}, err
			}
			switch att.Mode {
			case "host":
				return container.Network{NetNS: "host"}, nil
			case "none":
				return container.Network{}, nil
			}
			svcs, err := ns.Services(c.ID)
			if err != nil {
				ns.Detach(context.WithoutCancel(ctx), c.ID)
				return container.Network{}, err
			}
			nw := container.Network{NetNS: att.NetNS}
			for _, s := range svcs {
				nw.Services = append(nw.Services, container.Service(s))
			}
			return nw, nil
		},
		Poststop: func(ctx context.Context, c *container.Container) error {
			ns, err := network.Open(root)
			if err != nil {
				return err
			}
			return ns.Detach(ctx, c.ID)
		},
	}
}

// ConfigFromSpec is the networking a container's spec asks for
// (--network and -p as the container store keeps them).
func ConfigFromSpec(c *container.Container) network.Config {
	cfg := network.Config{Name: c.Name}
	switch mode := c.Spec.Host.NetworkMode; mode {
	case "", "default":
	default:
		cfg.Networks = []network.EndpointRequest{{Network: mode}}
	}
	cfg.Ports = PortsFromSpec(c.Spec.Host.PortBindings)
	return cfg
}

// PortsFromSpec converts Docker-style port bindings ("80/tcp" -> host ip
// and port, empty for any address or a random port).
func PortsFromSpec(pb map[string][]container.PortBinding) []network.PortBinding {
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

// ParsePublish parses -p values and, with publishAll (-P), adds a random
// host port for every exposed port ("80/tcp") not published already.
func ParsePublish(specs []string, publishAll bool, exposed []string) ([]network.PortBinding, error) {
	var out []network.PortBinding
	var problems []error
	for _, s := range specs {
		bs, err := network.ParsePort(s)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		out = append(out, bs...)
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	if publishAll {
		have := map[string]bool{}
		for _, b := range out {
			have[b.Key()] = true
		}
		for _, e := range exposed {
			port, proto, _ := strings.Cut(e, "/")
			if proto == "" {
				proto = "tcp"
			}
			p, err := strconv.ParseUint(port, 10, 16)
			if err != nil || have[fmt.Sprintf("%d/%s", p, proto)] {
				continue
			}
			out = append(out, network.PortBinding{HostIP: netip.IPv4Unspecified(), ContainerPort: uint16(p), Proto: proto})
		}
	}
	return out, nil
}

// ConfigureNetwork records a new container's networks (the first one gives
// the default route), aliases and ports, checking them before it starts.
func (e *Engine) ConfigureNetwork(ctx context.Context, c *container.Container, networks []network.EndpointRequest, ports []network.PortBinding) error {
	ns, err := e.Networks()
	if err != nil {
		return err
	}
	return ns.Configure(ctx, c.ID, network.Config{Name: c.Name, Networks: networks, Ports: ports})
}

// containerByRef finds a container by name or id.
func (e *Engine) containerByRef(ref string) (*container.Container, error) {
	cs, err := container.Open(e.root)
	if err != nil {
		return nil, err
	}
	return cs.Get(ref)
}

// NetworkConnect is `docker network connect NETWORK CONTAINER`.
func (e *Engine) NetworkConnect(ctx context.Context, networkRef, containerRef string, aliases []string) error {
	c, err := e.containerByRef(containerRef)
	if err != nil {
		return err
	}
	ns, err := e.Networks()
	if err != nil {
		return err
	}
	if _, ok := ns.ConfigOf(c.ID); !ok {
		if err := ns.Configure(ctx, c.ID, ConfigFromSpec(c)); err != nil {
			return err
		}
	}
	return ns.ConnectConfig(ctx, c.ID, network.EndpointRequest{Network: networkRef, Aliases: aliases})
}

// NetworkDisconnect is `docker network disconnect NETWORK CONTAINER`.
func (e *Engine) NetworkDisconnect(ctx context.Context, networkRef, containerRef string) error {
	c, err := e.containerByRef(containerRef)
	if err != nil {
		return err
	}
	ns, err := e.Networks()
	if err != nil {
		return err
	}
	if _, ok := ns.ConfigOf(c.ID); !ok {
		if err := ns.Configure(ctx, c.ID, ConfigFromSpec(c)); err != nil {
			return err
		}
	}
	return ns.DisconnectConfig(ctx, c.ID, networkRef)
}

// ContainerPorts returns a running container's published ports with the
// host ports chosen (for ps, port and inspect); nil when it is not running
// or publishes none.
func (e *Engine) ContainerPorts(id string) []network.PortBinding {
	ns, err := e.Networks()
	if err != nil {
		return nil
	}
	att, err := ns.Attachment(id)
	if err != nil {
		return nil
	}
	return att.Ports
}

// ContainerNetworks returns a container's networking for inspect: its
// configuration and, when it runs, its endpoints.
func (e *Engine) ContainerNetworks(id string) (network.Config, *network.Attachment) {
	ns, err := e.Networks()
	if err != nil {
		return network.Config{}, nil
	}
	cfg, _ := ns.ConfigOf(id)
	att, err := ns.Attachment(id)
	if err != nil {
		att = nil
	}
	return cfg, att
}

// releaseNetwork runs when a container is removed.
func (e *Engine) releaseNetwork(ctx context.Context, id string) error {
	ns, err := e.Networks()
	if err != nil {
		return err
	}
	return ns.Forget(ctx, id)
}

// ReleaseContainer frees what networks and volumes hold for a removed
// container; with removeAnonymous (rm -v) its anonymous volumes go too.
func (e *Engine) ReleaseContainer(ctx context.Context, c *container.Container, removeAnonymous bool) error {
	return errors.Join(e.releaseNetwork(ctx, c.ID), e.releaseVolumes(ctx, c, removeAnonymous))
}

// ReconcileNetworks removes what crashed monitors left: the networking of
// containers that are not running, and that of removed ones.
func (e *Engine) ReconcileNetworks(ctx context.Context) error {
	cs, err := container.Open(e.root)
	if err != nil {
		return err
	}
	ns, err := e.Networks()
	if err != nil {
		return err
	}
	all, err := cs.List()
	if err != nil {
		return err
	}
	byID := map[string]*container.Container{}
	for _, c := range all {
		byID[c.ID] = c
	}
	alive := func(id string) bool {
		c, ok := byID[id]
		return ok && (c.State.Status == container.Running || c.State.Status == container.Restarting || c.State.Status == container.Created)
	}
	exists := func(id string) bool { _, ok := byID[id]; return ok }
	return errors.Join(ns.ForgetGone(ctx, exists), ns.Reconcile(ctx, alive))
}

// PublishedPorts is `docker port`: the ports a container (by name or id)
// publishes, with the host ports chosen; none when it is not running.
func (e *Engine) PublishedPorts(ref string) ([]network.PortBinding, error) {
	c, err := e.containerByRef(ref)
	if err != nil {
		return nil, err
	}
	return e.ContainerPorts(c.ID), nil
}
