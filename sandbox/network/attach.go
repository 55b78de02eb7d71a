package network

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// EndpointRequest asks for one network for a container.
type EndpointRequest struct {
	Network string   // name or ID
	Aliases []string // --network-alias
}

// AttachRequest is what `run` asks of the network store for a container.
type AttachRequest struct {
	Container string // full container ID
	Name      string // container name
	Hostname  string
	// Networks to join, the first one giving the default route. Empty means
	// the default bridge; "host" and "none" must stand alone.
	Networks []EndpointRequest
	// Ports to publish; a zero HostPort means a random one.
	Ports []PortBinding
	// ResolvConf and Hosts, when set, are the files to write the
	// container's /etc/resolv.conf and /etc/hosts into (the container store
	// bind-mounts them); otherwise files under <root>/networks are used.
	ResolvConf, Hosts string
}

// Attachment is a container's prepared networking.
type Attachment struct {
	Mode Mode // "bridge", "host" or "none"
	// NetNS is the bind-mounted namespace to join; empty for host (share
	// the host's) and none (a fresh namespace with loopback only).
	NetNS     string
	Endpoints []AttachedEndpoint
	Ports     []PortBinding
	// ResolvConf and Hosts are files to bind-mount on /etc/resolv.conf and
	// /etc/hosts.
	ResolvConf string
	Hosts      string
	// Warnings are Docker's (e.g. ports discarded with --network host).
	Warnings []string
}

// AttachedEndpoint is an endpoint with its network.
type AttachedEndpoint struct {
	Endpoint
	NetworkName string
	Gateway     netip.Addr
	Subnet      netip.Prefix
}

// ErrNoSandbox means the container has no prepared networking (it is not
// running).
var ErrNoSandbox = errors.New("container has no network sandbox")

func (s *Store) containerDir(cid string) string { return filepath.Join(s.dir, "containers", cid) }
func (s *Store) netnsPath(cid string) string    { return filepath.Join(s.dir, "netns", cid) }

// Attach prepares a container's networking before it starts: addresses and
// host ports reserved in the state, then the namespace, veths, routes and
// resolver files created. On any failure nothing is left behind.
func (s *Store) Attach(ctx context.Context, req AttachRequest) (*Attachment, error) {
	att, setup, err := s.attach(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := setup.Run(ctx); err != nil {
		s.Detach(context.WithoutCancel(ctx), req.Container)
		return nil, err
	}
	return att, nil
}

// Setup is the slow half of a container's networking (Store.Prepare),
// which the caller runs beside other work: the namespace at the
// attachment's NetNS made (a namespace's creation takes milliseconds of
// the kernel's time), then its interfaces connected (bridges, veths,
// addresses and routes, a few netlink round trips per network). Run must
// return before anything runs in the namespace, and Made before anything
// joins it.
type Setup struct {
	made func() error // once
	wire func(ctx context.Context) error
}

// Run makes the namespace, unless Made did, and connects its interfaces.
func (s *Setup) Run(ctx context.Context) error {
	if err := s.made(); err != nil {
		return err
	}
	return s.wire(ctx)
}

// Made makes the namespace, or waits while Run makes it, and reports
// whether it could: after it the namespace may be joined.
func (s *Setup) Made() error { return s.made() }

// attach is Attach in two halves: it reserves the addresses and ports,
// writes the resolver files and the namespace's file, and returns the rest
// of the work as setup, which the caller may run beside other work. When
// setup fails the caller detaches.
func (s *Store) attach(ctx context.Context, req AttachRequest) (*Attachment, *Setup, error) {
	if req.Container == "" || req.Name == "" {
		return nil, nil, errors.New("attach: container id and name are required")
	}
	reqs := req.Networks
	if len(reqs) == 0 {
		reqs = []EndpointRequest{{Network: DefaultBridge}}
	}
	sb := &Sandbox{Container: req.Container, Name: req.Name, Mode: DefaultBridge, Created: time.Now().UTC(),
		ResolvConf: req.ResolvConf, Hosts: req.Hosts}
	if sb.ResolvConf == "" {
		sb.ResolvConf = filepath.Join(s.containerDir(req.Container), "resolv.conf")
	}
	if sb.Hosts == "" {
		sb.Hosts = filepath.Join(s.containerDir(req.Container), "hosts")
	}
	att := &Attachment{}
	var nets []*Network
	err := s.update(ctx, func(st *state) error {
		if err := s.ensureDefaults(st); err != nil {
			return err
		}
		if _, ok := st.Sandboxes[req.Container]; ok {
			return fmt.Errorf("container %s already has networking: stop it first", req.Name)
		}
		for _, r := range reqs {
			n, err := find(st, r.Network)
			if err != nil {
				return err
			}
			if len(r.Aliases) > 0 && !n.UserDefined() {
				return fmt.Errorf("network-scoped aliases are only supported for user-defined networks, not %q", n.Name)
			}
			if n.Driver != DriverBridge {
				if len(reqs) > 1 {
					return fmt.Errorf("conflicting options: the %s network cannot be combined with other networks", n.Name)
				}
				sb.Mode = modeOf(n)
			}
			if slices.Contains(nets, n) {
				return fmt.Errorf("network %s given twice", n.Name)
			}
			nets = append(nets, n)
		}
		if !sb.Mode.IsDefault() {
			if len(req.Ports) > 0 && sb.Mode.IsHost() {
				att.Warnings = append(att.Warnings, "Published ports are discarded when using host network mode")
			}
			st.Sandboxes[req.Container] = sb
			return nil
		}
		sb.NetNS = s.netnsPath(req.Container)
		sb.Ports = append([]PortBinding(nil), req.Ports...)
		if err := reservePorts(st, sb); err != nil {
			return err
		}
		for i, n := range nets {
			ep, err := s.newEndpoint(st, n, req, i)
			if err != nil {
				return err
			}
			ep.Aliases = reqs[i].Aliases
			st.Endpoints[ep.ID] = ep
		}
		st.Sandboxes[req.Container] = sb
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	setup, err := s.materialize(ctx, req, sb)
	if err == nil {
		att, err = s.attachment(req.Container, att.Warnings)
	}
	if err != nil {
		s.Detach(context.WithoutCancel(ctx), req.Container)
		return nil, nil, err
	}
	return att, setup, nil
}

func (s *Store) newEndpoint(st *state, n *Network, req AttachRequest, index int) (*Endpoint, error) {
	used := map[netip.Addr]bool{}
	for _, ep := range st.Endpoints {
		if ep.Network == n.ID {
			used[ep.IP] = true
		}
	}
	ip, err := allocate(n, used)
	if err != nil {
		return nil, err
	}
	id := randomID()
	return &Endpoint{
		ID: id, Network: n.ID, Container: req.Container, ContainerName: req.Name,
		IP: ip, MAC: macFor(ip).String(), HostVeth: s.vethName(id),
		IfName: fmt.Sprintf("eth%d", index),
	}, nil
}

// materialize creates the kernel side of a sandbox recorded in the state:
// the resolver files and the namespace's file now, the namespace and its
// interfaces when the returned Setup runs.
func (s *Store) materialize(ctx context.Context, req AttachRequest, sb *Sandbox) (*Setup, error) {
	none := &Setup{made: func() error { return nil }, wire: func(ctx context.Context) error { return ctx.Err() }}
	dir := s.containerDir(req.Container)
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return nil, fmt.Errorf("container network dir: %w", err)
	}
	st, err := s.readFor(req.Container)
	if err != nil {
		return nil, err
	}
	eps := endpointsOf(st, req.Container)
	if err := writeResolverFiles(sb, req.Hostname, eps, hasUserDefined(st, eps)); err != nil {
		return nil, err
	}
	if !sb.Mode.IsDefault() {
		return none, nil
	}
	// The file now, so that the runtime's configuration, which names it,
	// can be checked while the namespace is made.
	if err := newNetNSFile(sb.NetNS); err != nil {
		return nil, err
	}
	made := sync.OnceValue(func() error { return mountNetNS(sb.NetNS) })
	return &Setup{made: made, wire: func(ctx context.Context) error {
		for i, ep := range eps {
			n := st.Networks[ep.Network]
			created, err := ensureBridgeCreated(n)
			if err != nil {
				return err
			}
			if created {
				// After a reboot the table went with the bridge: NAT again.
				if err := s.update(ctx, func(st *state) error { return s.syncNFT(st) }); err != nil {
					return err
				}
			}
			if err := addVeth(n, ep, sb.NetNS, i == 0 && !n.Internal); err != nil {
				return fmt.Errorf("connect to network %s: %w", n.Name, err)
			}
		}
		return ctx.Err()
	}}, nil
}

// endpointsOf returns a container's endpoints in interface order.
func endpointsOf(st *state, cid string) []*Endpoint {
	var eps []*Endpoint
	for _, ep := range st.Endpoints {
		if ep.Container == cid {
			eps = append(eps, ep)
		}
	}
	sort.Slice(eps, func(i, j int) bool { return ifIndex(eps[i].IfName) < ifIndex(eps[j].IfName) })
	return eps
}

func ifIndex(name string) int {
	var i int
	fmt.Sscanf(strings.TrimPrefix(name, "eth"), "%d", &i)
	return i
}

func hasUserDefined(st *state, eps []*Endpoint) bool {
	for _, ep := range eps {
		if n := st.Networks[ep.Network]; n != nil && n.UserDefined() {
			return true
		}
	}
	return false
}

// Attachment returns a container's current networking.
func (s *Store) Attachment(cid string) (*Attachment, error) { return s.attachment(cid, nil) }

func (s *Store) attachment(cid string, warnings []string) (*Attachment, error) {
	st, err := s.readFor(cid)
	if err != nil {
		return nil, err
	}
	sb, ok := st.Sandboxes[cid]
	if !ok {
		return nil, ErrNoSandbox
	}
	att := &Attachment{
		Mode: sb.Mode, NetNS: sb.NetNS, Ports: sb.Ports, Warnings: warnings,
		ResolvConf: sb.ResolvConf, Hosts: sb.Hosts,
	}
	for _, ep := range endpointsOf(st, cid) {
		n := st.Networks[ep.Network]
		ae := AttachedEndpoint{Endpoint: *ep}
		if n != nil {
			ae.NetworkName, ae.Gateway, ae.Subnet = n.Name, n.Gateway, n.Subnet
		}
		att.Endpoints = append(att.Endpoints, ae)
	}
	return att, nil
}

// Detach removes a container's networking: veths, namespace, resolver
// files, then its addresses and ports in the state. Safe to call twice.
func (s *Store) Detach(ctx context.Context, cid string) error {
	_, err := s.detach(ctx, cid, false, false)
	return err
}

// DetachLater is Detach for a container whose process has ended, leaving
// the deletion of the host ends of its veths to deleteLinks, which the
// container's monitor runs once it has told its caller how the container
// ended: deleting a veth waits for the kernel's RCU grace periods, the
// slowest part of a bridge container's end. Its namespace and records are
// gone when DetachLater returns, so the veths carry no traffic, and an
// address freed here is handed out again only after its network's pool
// wrapped around (allocate), not to the next container. A veth whose
// deletion never ran (its monitor killed) is a link no endpoint owns, which
// Reconcile deletes.
func (s *Store) DetachLater(ctx context.Context, cid string) (deleteLinks func() error, err error) {
	return s.detach(ctx, cid, false, true)
}

// ForgetLater is Forget as DetachLater is Detach (docker run --rm).
func (s *Store) ForgetLater(ctx context.Context, cid string) (deleteLinks func() error, err error) {
	return s.detach(ctx, cid, true, true)
}

// detach is Detach; with forget the container's configuration goes in the
// same state update (one fsync less for docker rm and --rm), and with later
// the veths are left to the returned func (DetachLater).
func (s *Store) detach(ctx context.Context, cid string, forget, later bool) (func() error, error) {
	st, err := s.readFor(cid)
	if err != nil {
		return nil, err
	}
	// The veths are deleted by name: left to the namespace's destruction
	// they would stay until the last socket in it is gone, which a
	// connection closing slowly can delay for a minute.
	var veths []string
	for _, ep := range endpointsOf(st, cid) {
		veths = append(veths, ep.HostVeth)
	}
	deleteLinks := func() error {
		var errs []error
		for _, v := range veths {
			errs = append(errs, deleteLink(v))
		}
		return errors.Join(errs...)
	}
	// Kernel objects first, so an address is free in the state only once
	// nothing in the kernel uses it (but see DetachLater).
	var errs []error
	if !later {
		errs = append(errs, deleteLinks())
	}
	errs = append(errs, removeNetNS(s.netnsPath(cid)), os.RemoveAll(s.containerDir(cid)))
	errs = append(errs, s.update(ctx, func(st *state) error {
		for id, ep := range st.Endpoints {
			if ep.Container == cid {
				delete(st.Endpoints, id)
			}
		}
		delete(st.Sandboxes, cid)
		if forget {
			delete(st.Configs, cid)
		}
		return nil
	}))
	if err := errors.Join(errs...); err != nil {
		if later {
			deleteLinks() //nolint:errcheck // the first error is the one to report
		}
		return nil, fmt.Errorf("detach networking of %s: %w", ShortID(cid), err)
	}
	if !later {
		return nil, nil
	}
	return deleteLinks, nil
}

// Connect joins a running container to one more network (docker network
// connect); the new interface is eth<N>.
func (s *Store) Connect(ctx context.Context, cid string, r EndpointRequest) error {
	var ep *Endpoint
	var n *Network
	var sb *Sandbox
	err := s.update(ctx, func(st *state) error {
		if err := s.ensureDefaults(st); err != nil {
			return err
		}
		var ok bool
		if sb, ok = st.Sandboxes[cid]; !ok {
			return ErrNoSandbox
		}
		var err error
		if n, err = find(st, r.Network); err != nil {
			return err
		}
		if !sb.Mode.IsDefault() || n.Driver != DriverBridge {
			return fmt.Errorf("container %s cannot be connected to network %s: host and none cannot be combined with other networks", sb.Name, n.Name)
		}
		if len(r.Aliases) > 0 && !n.UserDefined() {
			return fmt.Errorf("network-scoped aliases are only supported for user-defined networks, not %q", n.Name)
		}
		eps := endpointsOf(st, cid)
		index := 0
		for _, e := range eps {
			if e.Network == n.ID {
				return fmt.Errorf("container %s is already connected to network %s", sb.Name, n.Name)
			}
			index = max(index, ifIndex(e.IfName)+1)
		}
		if ep, err = s.newEndpoint(st, n, AttachRequest{Container: cid, Name: sb.Name}, index); err != nil {
			return err
		}
		ep.Aliases = r.Aliases
		st.Endpoints[ep.ID] = ep
		return nil
	})
	if err != nil {
		return err
	}
	created, err := ensureBridgeCreated(n)
	if err == nil && created {
		err = s.update(ctx, func(st *state) error { return s.syncNFT(st) })
	}
	if err == nil {
		err = addVeth(n, ep, sb.NetNS, false)
	}
	if err == nil {
		err = s.rewriteResolvConf(cid)
	}
	if err != nil {
		s.Disconnect(context.WithoutCancel(ctx), cid, n.ID)
		return fmt.Errorf("connect %s to %s: %w", sb.Name, n.Name, err)
	}
	return nil
}

// Disconnect takes a running container off one network.
func (s *Store) Disconnect(ctx context.Context, cid, network string) error {
	var ep *Endpoint
	var sb *Sandbox
	err := s.update(ctx, func(st *state) error {
		var ok bool
		if sb, ok = st.Sandboxes[cid]; !ok {
			return ErrNoSandbox
		}
		n, err := find(st, network)
		if err != nil {
			return err
		}
		for _, e := range endpointsOf(st, cid) {
			if e.Network == n.ID {
				ep = e
			}
		}
		if ep == nil {
			return fmt.Errorf("container %s is not connected to network %s", sb.Name, n.Name)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := deleteLink(ep.HostVeth); err != nil {
		return err
	}
	return s.update(ctx, func(st *state) error {
		delete(st.Endpoints, ep.ID)
		return nil
	})
}

// rewriteResolvConf points a container at the embedded DNS once it is on a
// user-defined network.
func (s *Store) rewriteResolvConf(cid string) error {
	st, err := s.readFor(cid)
	if err != nil {
		return err
	}
	sb := st.Sandboxes[cid]
	eps := endpointsOf(st, cid)
	b, err := resolvConf(sb.Mode, hasUserDefined(st, eps))
	if err != nil {
		return err
	}
	return writeFileInPlace(sb.ResolvConf, b)
}
