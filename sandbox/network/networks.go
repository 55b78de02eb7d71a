package network

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/dockyard-lab/dockyard/sandbox/events"
)

// subnetLock is one lock for the whole host, held while a subnet is chosen
// and its bridge created, so that two state roots never pick the same one.
const subnetLock = "/run/dockyard-subnets.lock"

var validName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`) })

// CreateOptions are `docker network create`'s flags.
type CreateOptions struct {
	Name     string
	Driver   string // "" means bridge
	Subnet   string
	Gateway  string
	Internal bool
	Labels   map[string]string
}

// Create makes a user-defined bridge network with its bridge and nftables
// rules. Without a subnet it takes the first of Docker's default pools that
// clashes with neither the host's routes nor another network.
func (s *Store) Create(ctx context.Context, o CreateOptions) (*Network, error) {
	if !validName().MatchString(o.Name) {
		return nil, fmt.Errorf("invalid network name %q: use letters, digits and _ . - (starting with a letter or digit)", o.Name)
	}
	switch o.Driver {
	case "", DriverBridge:
	case DriverOverlay:
		return nil, errors.New(`the overlay driver needs a multi-host cluster (docker swarm init on several machines), which is out of this lab's scope: use --driver bridge`)
	case DriverHost, DriverNull:
		return nil, fmt.Errorf("only one instance of the %q network is allowed: it already exists, use --network %s", o.Driver, modeOf(&Network{Driver: o.Driver}))
	default:
		return nil, fmt.Errorf("network driver %q is not supported: use --driver bridge", o.Driver)
	}
	subnet, gw, err := ParseSubnet(o.Subnet, o.Gateway)
	if err != nil {
		return nil, err
	}
	var created *Network
	err = s.update(ctx, func(st *state) error {
		if err := s.ensureDefaults(st); err != nil {
			return err
		}
		if n := byName(st, o.Name); n != nil {
			return errorf(ErrExists, "network with name %s already exists", o.Name)
		}
		n := &Network{
			ID: randomID(), Name: o.Name, Driver: DriverBridge, Internal: o.Internal,
			Labels: o.Labels, Created: time.Now().UTC(),
		}
		n.Bridge = s.bridgeName(n)
		if err := s.placeNetwork(st, n, subnet, gw); err != nil {
			return err
		}
		st.Networks[n.ID] = n
		if err := s.syncNFT(st); err != nil {
			deleteLink(n.Bridge)
			return err
		}
		created = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.events.Emit(events.Network, "create", created.ID, map[string]string{"name": created.Name, "type": created.Driver})
	return created, nil
}

// placeNetwork gives n its subnet (the one asked for, or a free default
// pool) and creates its bridge, under the host-wide subnet lock.
func (s *Store) placeNetwork(st *state, n *Network, subnet netip.Prefix, gw netip.Addr) error {
	l := flock.New(subnetLock)
	if err := l.Lock(); err != nil {
		return fmt.Errorf("lock %s: %w", subnetLock, err)
	}
	defer l.Close()
	s.register()
	taken, err := hostPrefixes()
	if err != nil {
		return err
	}
	for _, other := range st.Networks {
		if other.Subnet.IsValid() {
			taken = append(taken, other.Subnet)
		}
	}
	if subnet.IsValid() {
		for _, t := range taken {
			if subnet.Overlaps(t) {
				return errorf(ErrOverlap, "subnet %s overlaps %s, already used on this host: choose another --subnet", subnet, t)
			}
		}
	} else {
		if subnet, err = pickSubnet(taken); err != nil {
			return err
		}
		gw = subnet.Addr().Next()
	}
	n.Subnet, n.Gateway = subnet, gw
	if err := ensureBridge(n); err != nil {
		deleteLink(n.Bridge)
		return err
	}
	return nil
}

// ensureDefaults adds the predefined networks (bridge, host, none) to st
// the first time, creating the default bridge.
func (s *Store) ensureDefaults(st *state) error {
	if byName(st, DefaultBridge) != nil {
		return nil
	}
	now := time.Now().UTC()
	for _, n := range []*Network{
		{Name: HostNetwork, Driver: DriverHost},
		{Name: NoneNetwork, Driver: DriverNull},
	} {
		if byName(st, n.Name) == nil {
			n.ID, n.Created, n.Predefined = randomID(), now, true
			st.Networks[n.ID] = n
		}
	}
	br := &Network{ID: randomID(), Name: DefaultBridge, Driver: DriverBridge, Created: now, Predefined: true}
	br.Bridge = s.bridgeName(br)
	if err := s.placeNetwork(st, br, netip.Prefix{}, netip.Addr{}); err != nil {
		return fmt.Errorf("default bridge: %w", err)
	}
	st.Networks[br.ID] = br
	return s.syncNFT(st)
}

func byName(st *state, name string) *Network {
	for _, n := range st.Networks {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// find resolves a network by name, full ID or unique ID prefix, as Docker.
func find(st *state, ref string) (*Network, error) {
	if n := byName(st, ref); n != nil {
		return n, nil
	}
	if n, ok := st.Networks[ref]; ok {
		return n, nil
	}
	var match *Network
	matches := 0
	for id, n := range st.Networks {
		if ref != "" && strings.HasPrefix(id, ref) {
			match = n
			matches++
		}
	}
	if matches > 1 {
		// Docker's daemon's words (daemon.FindNetwork).
		return nil, errorf(ErrAmbiguous, "network %s is ambiguous (%d matches found based on ID prefix)", ref, matches)
	}
	if match == nil {
		return nil, errorf(ErrNotFound, "network %s not found", ref)
	}
	return match, nil
}

// Info is a network with the containers on it, for ls and inspect.
type Info struct {
	Network
	Endpoints []Endpoint
}

// List returns every network, predefined ones included, sorted by name.
// It reads a snapshot of the state without the lock, so a listing never
// waits for a container being attached or detached.
func (s *Store) List(ctx context.Context) ([]Info, error) {
	st, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	var out []Info
	for _, n := range st.Networks {
		out = append(out, info(st, n))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Inspect returns one network by name or ID, from a snapshot as List.
func (s *Store) Inspect(ctx context.Context, ref string) (Info, error) {
	st, err := s.snapshot(ctx)
	if err != nil {
		return Info{}, err
	}
	n, err := find(st, ref)
	if err != nil {
		return Info{}, err
	}
	return info(st, n), nil
}

// snapshot reads the state without the lock. Only on a root where no
// network command ran yet does it take the lock, once, to add the
// predefined networks.
func (s *Store) snapshot(ctx context.Context) (*state, error) {
	st, err := s.read()
	if err != nil || byName(st, DefaultBridge) != nil {
		return st, err
	}
	if err := s.update(ctx, s.ensureDefaults); err != nil {
		return nil, err
	}
	return s.read()
}

func info(st *state, n *Network) Info {
	in := Info{Network: *n}
	for _, ep := range st.Endpoints {
		if ep.Network == n.ID {
			in.Endpoints = append(in.Endpoints, *ep)
		}
	}
	sort.Slice(in.Endpoints, func(i, j int) bool { return in.Endpoints[i].ContainerName < in.Endpoints[j].ContainerName })
	return in
}

// Remove deletes a user-defined network no running container is on, its
// bridge and its nftables rules. It returns the network's name.
func (s *Store) Remove(ctx context.Context, ref string) (string, error) {
	var name, id string
	err := s.update(ctx, func(st *state) error {
		// On a root where no network command ran yet, "bridge" is
		// pre-defined too, not missing.
		if err := s.ensureDefaults(st); err != nil {
			return err
		}
		n, err := find(st, ref)
		if err != nil {
			return err
		}
		name = n.Name
		if n.Predefined {
			return fmt.Errorf("%s is a pre-defined network and cannot be removed", n.Name)
		}
		if users := usersOf(st, n); len(users) > 0 {
			// Docker's daemon words it (libnetwork.ActiveEndpointsError).
			sort.Strings(users)
			return errorf(ErrInUse, "error while removing network: network %s has active endpoints (%s)",
				n.Name, strings.Join(users, ", "))
		}
		delete(st.Networks, n.ID)
		id = n.ID
		if err := deleteLink(n.Bridge); err != nil {
			return err
		}
		return s.syncNFT(st)
	})
	if err == nil {
		s.events.Emit(events.Network, "destroy", id, map[string]string{"name": name, "type": DriverBridge})
	}
	return name, err
}

// Prune removes every user-defined network no running container is on and
// returns their names.
func (s *Store) Prune(ctx context.Context) ([]string, error) {
	var names []string
	err := s.update(ctx, func(st *state) error {
		for id, n := range st.Networks {
			if n.Predefined || len(usersOf(st, n)) > 0 {
				continue
			}
			if err := deleteLink(n.Bridge); err != nil {
				return err
			}
			delete(st.Networks, id)
			names = append(names, n.Name)
			s.events.Emit(events.Network, "destroy", id, map[string]string{"name": n.Name, "type": n.Driver})
		}
		return s.syncNFT(st)
	})
	sort.Strings(names)
	return names, err
}

// usersOf names the containers on n now: its endpoints, which running
// containers have. A stopped or created container configured to join n
// does not hold it, as in Docker, where only endpoints do (libnetwork's
// Network.delete, the daemon's network prune): removing n is allowed, and
// that container's next start fails with "network ... not found".
func usersOf(st *state, n *Network) []string {
	seen := map[string]bool{}
	var users []string
	for _, ep := range st.Endpoints {
		if ep.Network == n.ID && !seen[ep.ContainerName] {
			seen[ep.ContainerName] = true
			users = append(users, fmt.Sprintf(`name:"%s" id:"%s"`, ep.ContainerName, ep.ID[:min(12, len(ep.ID))]))
		}
	}
	return users
}
