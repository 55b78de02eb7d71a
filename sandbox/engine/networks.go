package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"sync"

	mobycontainer "github.com/moby/moby/api/types/container"
	mobynet "github.com/moby/moby/api/types/network"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/monitor"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// withImageVolumes adds anonymous volumes for the image's VOLUME paths
// that no mount covers (CreateContainer, before the container is recorded).
func (e *Engine) withImageVolumes(ctx context.Context, img *image.Image, mounts []container.Mount) ([]container.Mount, error) {
	if img == nil || img.Config == nil || len(img.Config.Config.Volumes) == 0 {
		return mounts, nil
	}
	var paths []string
	for p := range img.Config.Config.Volumes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	anon, err := e.AnonymousVolumes(ctx, paths, mounts)
	if err != nil {
		return nil, err
	}
	return append(mounts, anon...), nil
}

// configureCreated records a new container's networking (CreateContainer,
// after the container is recorded; the caller removes it on error):
// --network with its --network-alias values, -p and -P.
func (e *Engine) configureCreated(ctx context.Context, c *container.Container, o CreateOptions) error {
	var reqs []network.EndpointRequest
	switch o.Network {
	case "", "default":
		if len(o.NetworkAliases) > 0 {
			reqs = []network.EndpointRequest{{Network: network.DefaultBridge, Aliases: o.NetworkAliases}}
		}
	default:
		reqs = []network.EndpointRequest{{Network: o.Network, Aliases: o.NetworkAliases}}
	}
	if err := checkPortBindings(o.PortBindings); err != nil {
		return Invalid(err)
	}
	ports := monitor.Ports(o.PortBindings)
	if o.PublishAll {
		more, err := ParsePublish(nil, true, c.Spec.Config.ExposedPorts)
		if err != nil {
			return err
		}
		have := map[string]bool{}
		for _, p := range ports {
			have[p.Key()] = true
		}
		for _, p := range more {
			if !have[p.Key()] {
				ports = append(ports, p)
			}
		}
	}
	return e.ConfigureNetwork(ctx, c, reqs, ports)
}

// checkPortBindings refuses the -p values Docker's parser accepts but
// Dockyard's port proxies cannot serve (IPv6 host addresses, sctp), every
// problem in one error, rather than dropping them or failing at start.
func checkPortBindings(pb map[string][]container.PortBinding) error {
	keys := make([]string, 0, len(pb))
	for k := range pb {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var problems []error
	for _, key := range keys {
		port, proto, _ := strings.Cut(key, "/")
		if proto != "" && proto != "tcp" && proto != "udp" {
			problems = append(problems, fmt.Errorf("-p ...:%s: only tcp and udp ports can be published here", key))
			continue
		}
		for _, b := range pb[key] {
			if b.HostIP == "" {
				continue
			}
			if ip, err := netip.ParseAddr(b.HostIP); err != nil || !ip.Is4() {
				problems = append(problems, fmt.Errorf("-p [%s]:%s:%s: only IPv4 host addresses are supported here (e.g. -p 127.0.0.1:%s:%s)", b.HostIP, b.HostPort, port, b.HostPort, port))
			}
		}
	}
	return errors.Join(problems...)
}

// PortBindingsOf converts published ports back to the container store's
// Docker-style map, for ps and inspect of a running container (random host
// ports filled in).
func PortBindingsOf(ports []network.PortBinding) map[string][]container.PortBinding {
	if len(ports) == 0 {
		return nil
	}
	out := map[string][]container.PortBinding{}
	for _, p := range ports {
		out[p.Key()] = append(out[p.Key()], container.PortBinding{HostIP: p.HostIP.String(), HostPort: strconv.Itoa(int(p.HostPort))})
	}
	return out
}

// WithLivePorts replaces the port bindings of running containers with the
// ones in effect (random host ports chosen), in memory, for ps.
func (e *Engine) WithLivePorts(cs []*container.Container) {
	for _, c := range cs {
		if c.State.Status != container.Running {
			continue
		}
		if ports := e.ContainerPorts(c.ID); len(ports) > 0 {
			c.Spec.Host.PortBindings = PortBindingsOf(ports)
		}
	}
}

// fillNetworkSettings adds a container's networks to inspect's
// NetworkSettings: every configured network, with address, gateway and MAC
// while it runs.
func (e *Engine) fillNetworkSettings(c *container.Container, ns *mobycontainer.NetworkSettings) {
	cfg := e.networkConfig(c)
	_, att := e.ContainerNetworks(c.ID)
	if ns.Networks == nil {
		ns.Networks = map[string]*mobynet.EndpointSettings{}
	}
	for _, r := range cfg.Networks {
		es := &mobynet.EndpointSettings{Aliases: r.Aliases}
		if att != nil {
			for _, ep := range att.Endpoints {
				if ep.NetworkName != r.Network {
					continue
				}
				es.NetworkID, es.EndpointID = ep.Network, ep.ID
				es.IPAddress, es.Gateway = ep.IP, ep.Gateway
				es.IPPrefixLen = ep.Subnet.Bits()
				if mac, err := net.ParseMAC(ep.MAC); err == nil {
					es.MacAddress = mobynet.HardwareAddr(mac)
				}
			}
		}
		ns.Networks[r.Network] = es
	}
}

// networkConfig is the one record of the networks container c is on: the
// network store's, or before it records one, what docker run asked for.
// Recorded but empty (disconnected from its last network) is none, as
// Docker shows.
func (e *Engine) networkConfig(c *container.Container) network.Config {
	cfg, _ := e.ContainerNetworks(c.ID)
	if len(cfg.Networks) == 0 && !e.hasNetworkConfig(c.ID) {
		cfg = monitor.NetworkConfig(c)
		if len(cfg.Networks) == 0 {
			cfg.Networks = []network.EndpointRequest{{Network: network.DefaultBridge}}
		}
	}
	return cfg
}

// Networks opens the network store (<root>/networks).
func (e *Engine) Networks() (*network.Store, error) { return network.Open(e.root) }

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
	cfg := network.Config{Name: c.Name, Networks: networks, Ports: ports}
	err = ns.Configure(ctx, c.ID, cfg)
	var pc *network.PortConflictError
	if errors.As(err, &pc) && pc.Holder != "" && e.releaseDeadHolder(ctx, ns, pc.Holder) {
		err = ns.Configure(ctx, c.ID, cfg)
	}
	return err
}

// releaseDeadHolder frees the networking (and so the published ports) of
// the container named holder when it is not running: a container whose
// monitor was killed never detached, and must not keep its ports. It
// reports whether anything was freed.
func (e *Engine) releaseDeadHolder(ctx context.Context, ns *network.Store, holder string) bool {
	h, err := e.containerByRef(holder)
	if err != nil || h.State.Status == container.Running || h.State.Status == container.Restarting {
		return false
	}
	return ns.Detach(ctx, h.ID) == nil
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
		if err := ns.Configure(ctx, c.ID, monitor.NetworkConfig(c)); err != nil {
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
		if err := ns.Configure(ctx, c.ID, monitor.NetworkConfig(c)); err != nil {
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

// hasNetworkConfig reports whether the network store records container
// id's networking.
func (e *Engine) hasNetworkConfig(id string) bool {
	ns, err := e.Networks()
	if err != nil {
		return false
	}
	_, ok := ns.ConfigOf(id)
	return ok
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
// containers that no longer run (monitor.ReconcileNetworks).
//
// Calls that arrive while one runs share the next run instead of each
// running its own: a reconcile lists every link and rewrites the nftables
// table under the network lock, and `dockyard serve` answering many
// GET /networks at once would otherwise queue them all behind each other
// and behind every container start (12 s for a list under 200 clients).
// The shared run starts after the caller arrived, so it sees what the
// caller would have.
func (e *Engine) ReconcileNetworks(ctx context.Context) error {
	return e.reconcile.do(func() error { return monitor.ReconcileNetworks(ctx, e.root) })
}

// coalesced runs a function at most once at a time; a caller waits for a
// run that started after it arrived and takes that run's result.
type coalesced struct {
	mu      sync.Mutex // guards started and lastErr
	started uint64     // runs started so far
	lastErr error      // the result of the last run
	run     sync.Mutex // held by the running call
}

func (c *coalesced) do(f func() error) error {
	c.mu.Lock()
	arrived := c.started
	c.mu.Unlock()
	c.run.Lock()
	defer c.run.Unlock()
	c.mu.Lock()
	if c.started > arrived {
		// A run that started after this call arrived has ended.
		err := c.lastErr
		c.mu.Unlock()
		return err
	}
	c.started++
	c.mu.Unlock()
	err := f()
	c.mu.Lock()
	c.lastErr = err
	c.mu.Unlock()
	return err
}

// PublishedPorts is `docker port`: the ports a container (by name or id)
// publishes, with the host ports chosen; none when it is not running.
func (e *Engine) PublishedPorts(ref string) ([]network.PortBinding, error) {
	c, err := e.containerByRef(ref)
	if err != nil {
		return nil, err
	}
	ns, err := e.Networks()
	if err != nil {
		return nil, err
	}
	att, err := ns.Attachment(c.ID)
	if errors.Is(err, network.ErrNoSandbox) {
		return nil, nil // not running: nothing published
	}
	if err != nil {
		// A damaged state must not read as "no ports".
		return nil, err
	}
	return att.Ports, nil
}

// RenameContainer is `docker rename`: the container store's record, then
// the name its networks know it by (inspect, the embedded DNS).
func (e *Engine) RenameContainer(ctx context.Context, ref, name string) error {
	c, err := e.containers.Get(ref)
	if err != nil {
		return err
	}
	if err := e.containers.Rename(c.ID, name); err != nil {
		return err
	}
	ns, err := e.Networks()
	if err != nil {
		return err
	}
	if err := ns.Rename(ctx, c.ID, strings.TrimPrefix(name, "/")); err != nil {
		return fmt.Errorf("rename %s in its networks: %w", c.Name, err)
	}
	return nil
}
