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

// configureCreated writes a new container's one network record
// (CreateContainer, after the container is recorded; the caller removes it
// on error): --network with its --network-alias values, -p and -P.
func (e *Engine) configureCreated(ctx context.Context, c *container.Container, o CreateOptions) error {
	ports, err := publishedPorts(o.PortBindings)
	if err != nil {
		return Invalid(err)
	}
	if o.PublishAll {
		have := map[network.Port]bool{}
		for _, p := range ports {
			have[p.Port()] = true
		}
		for _, key := range c.Spec.Config.ExposedPorts {
			p, err := network.ParsePort(key)
			if err != nil || have[p] {
				continue
			}
			have[p] = true
			ports = append(ports, network.PortBinding{HostIP: netip.IPv4Unspecified(), ContainerPort: p.Num, Proto: p.Proto})
		}
	}
	if o.CheckPorts {
		if err := e.checkPorts(ctx, c.Name, ports); err != nil {
			return err
		}
	}
	reqs := []network.EndpointRequest{{Network: o.Network.Network(), Aliases: o.NetworkAliases}}
	return e.ConfigureNetwork(ctx, c, reqs, ports)
}

// checkPorts reports a fixed host port of ports that a running container
// holds (CreateOptions.CheckPorts).
func (e *Engine) checkPorts(ctx context.Context, name string, ports []network.PortBinding) error {
	ns, err := e.networks()
	if err != nil {
		return err
	}
	err = ns.CheckPorts(ctx, name, ports)
	if monitor.ReleaseDeadHolder(ctx, e.root, ns, err) {
		err = ns.CheckPorts(ctx, name, ports)
	}
	return err
}

// publishedPorts reads -p bindings as Docker's HostConfig.PortBindings
// holds them ("80/tcp" -> host address and port, empty for any address or
// a random port) into the network store's, refusing, every problem in one
// error, the values Docker's parser accepts but Dockyard's port proxies
// cannot serve (IPv6 host addresses, sctp), rather than dropping them or
// failing at start.
func publishedPorts(pb map[string][]container.PortBinding) ([]network.PortBinding, error) {
	keys := make([]string, 0, len(pb))
	for k := range pb {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []network.PortBinding
	var problems []error
	for _, key := range keys {
		port, err := network.ParsePort(key)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		if port.Proto == "sctp" {
			problems = append(problems, fmt.Errorf("-p ...:%s: only tcp and udp ports can be published here", key))
			continue
		}
		for _, b := range pb[key] {
			nb := network.PortBinding{HostIP: netip.IPv4Unspecified(), ContainerPort: port.Num, Proto: port.Proto}
			if b.HostIP != "" {
				ip, err := netip.ParseAddr(b.HostIP)
				if err != nil || !ip.Is4() {
					problems = append(problems, fmt.Errorf("-p [%s]:%s:%d: only IPv4 host addresses are supported here (e.g. -p 127.0.0.1:%s:%d)", b.HostIP, b.HostPort, port.Num, b.HostPort, port.Num))
					continue
				}
				nb.HostIP = ip
			}
			if hp, err := strconv.ParseUint(b.HostPort, 10, 16); err == nil {
				nb.HostPort = uint16(hp)
			}
			out = append(out, nb)
		}
	}
	if err := errors.Join(problems...); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ContainerPort != out[j].ContainerPort {
			return out[i].ContainerPort < out[j].ContainerPort
		}
		return out[i].HostPort < out[j].HostPort
	})
	return out, nil
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

// networkConfig is the one record of the networks container c is on (the
// network store's Config): a container without one was created on none.
// Recorded but empty (disconnected from its last network) is no network,
// as Docker shows.
func (e *Engine) networkConfig(c *container.Container) network.Config {
	if ns, err := e.networks(); err == nil {
		if cfg, ok := ns.ConfigOf(c.ID); ok {
			return cfg
		}
	}
	return network.Config{Name: c.Name, Networks: []network.EndpointRequest{{Network: network.NoneNetwork}}}
}

// networks opens the network store (<root>/networks).
func (e *Engine) networks() (*network.Store, error) { return network.Open(e.root) }

// ConfigureNetwork records a new container's networks (the first one gives
// the default route), aliases and ports, checking them before it starts.
func (e *Engine) ConfigureNetwork(ctx context.Context, c *container.Container, networks []network.EndpointRequest, ports []network.PortBinding) error {
	ns, err := e.networks()
	if err != nil {
		return err
	}
	cfg := network.Config{Name: c.Name, Networks: networks, Ports: ports}
	err = ns.Configure(ctx, c.ID, cfg)
	if monitor.ReleaseDeadHolder(ctx, e.root, ns, err) {
		err = ns.Configure(ctx, c.ID, cfg)
	}
	return err
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
	ns, err := e.networks()
	if err != nil {
		return err
	}
	return ns.ConnectConfig(ctx, c.ID, c.Name, network.EndpointRequest{Network: networkRef, Aliases: aliases})
}

// NetworkDisconnect is `docker network disconnect NETWORK CONTAINER`.
func (e *Engine) NetworkDisconnect(ctx context.Context, networkRef, containerRef string) error {
	c, err := e.containerByRef(containerRef)
	if err != nil {
		return err
	}
	ns, err := e.networks()
	if err != nil {
		return err
	}
	return ns.DisconnectConfig(ctx, c.ID, c.Name, networkRef)
}

// ContainerPorts returns a running container's published ports with the
// host ports chosen (for ps, port and inspect); nil when it is not running
// or publishes none.
func (e *Engine) ContainerPorts(id string) []network.PortBinding {
	ns, err := e.networks()
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
	ns, err := e.networks()
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
	ns, err := e.networks()
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
	ns, err := e.networks()
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
	// Docker's daemon (daemon/rename.go) looks the container up first,
	// then checks the new name in its "/name" form.
	name = strings.TrimPrefix(name, "/")
	if name == c.Name {
		return Invalid(errors.New("Renaming a container with the same name as its current name"))
	}
	if err := container.ValidateName(name); err != nil {
		return Invalid(fmt.Errorf("Invalid container name (/%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name))
	}
	if err := e.containers.Rename(c.ID, name); err != nil {
		var inUse *container.NameInUseError
		if errors.As(err, &inUse) {
			return fmt.Errorf("Error when allocating new name: %w", err)
		}
		return err
	}
	ns, err := e.networks()
	if err != nil {
		return err
	}
	if err := ns.Rename(ctx, c.ID, strings.TrimPrefix(name, "/")); err != nil {
		return fmt.Errorf("rename %s in its networks: %w", c.Name, err)
	}
	return nil
}
