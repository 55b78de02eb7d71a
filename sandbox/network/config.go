package network

import (
	"context"
	"errors"
	"fmt"
	"slices"
)

// Configure records a container's wanted networking when it is created,
// checking now what can be checked (the networks exist, host and none stand
// alone, aliases only on user-defined networks). Host ports are checked at
// start, as Docker does: a container may be created with a port another
// one holds (Compose's recreate creates the new container while the old one
// still runs); `run` asks CheckPorts first.
func (s *Store) Configure(ctx context.Context, cid string, cfg Config) error {
	return s.update(ctx, func(st *state) error {
		if err := s.ensureDefaults(st); err != nil {
			return err
		}
		reqs := cfg.Networks
		if len(reqs) == 0 {
			reqs = []EndpointRequest{{Network: DefaultBridge}}
		}
		var problems []error
		for i, r := range reqs {
			n, err := find(st, r.Network)
			if err != nil {
				problems = append(problems, err)
				continue
			}
			reqs[i].Network = n.Name
			if n.Driver != DriverBridge && len(reqs) > 1 {
				problems = append(problems, fmt.Errorf("conflicting options: the %s network cannot be combined with other networks", n.Name))
			}
			if len(r.Aliases) > 0 && !n.UserDefined() {
				problems = append(problems, fmt.Errorf("network-scoped aliases are only supported for user-defined networks, not %q", n.Name))
			}
		}
		if err := errors.Join(problems...); err != nil {
			return err
		}
		cfg.Networks = reqs
		st.Configs[cid] = &cfg
		return nil
	})
}

// CheckPorts reports a fixed host port of ports that a running container
// holds or the host cannot bind, so that `run` fails before it creates
// anything (name is the new container's, for a port given twice).
func (s *Store) CheckPorts(ctx context.Context, name string, ports []PortBinding) error {
	probe := &Sandbox{Name: name}
	for _, p := range ports {
		if p.HostPort != 0 {
			probe.Ports = append(probe.Ports, p)
		}
	}
	if len(probe.Ports) == 0 {
		return nil // random ports are chosen at start
	}
	st, err := s.read()
	if err != nil {
		return err
	}
	return reservePorts(st, probe)
}

// ConfigOf returns a container's recorded networking; false means none
// (see Config).
func (s *Store) ConfigOf(cid string) (Config, bool) {
	st, err := s.readFor(cid)
	if err != nil {
		return Config{}, false
	}
	c, ok := st.Configs[cid]
	if !ok {
		return Config{}, false
	}
	return *c, true
}

// Configured reports whether the container has a configuration; unlike
// ConfigOf it tells a state it cannot read from a missing configuration.
func (s *Store) Configured(cid string) (bool, error) {
	st, err := s.readFor(cid)
	if err != nil {
		return false, err
	}
	_, ok := st.Configs[cid]
	return ok, nil
}

// Start attaches a container as configured (each start of its process).
func (s *Store) Start(ctx context.Context, cid, hostname, resolvConf, hosts string) (*Attachment, error) {
	att, setup, err := s.Prepare(ctx, cid, hostname, resolvConf, hosts)
	if err != nil {
		return nil, err
	}
	if err := setup.Run(ctx); err != nil {
		s.Detach(context.WithoutCancel(ctx), cid)
		return nil, err
	}
	return att, nil
}

// Prepare is Start up to the namespace's file: addresses and ports
// reserved, resolver files written. setup makes the namespace and
// connects its interfaces; the container's monitor runs it beside its own
// work, waits for setup.Made before the container's init joins the
// namespace and for setup.Run before the container's process is started.
// When setup fails the caller detaches.
func (s *Store) Prepare(ctx context.Context, cid, hostname, resolvConf, hosts string) (*Attachment, *Setup, error) {
	cfg, ok := s.ConfigOf(cid)
	if !ok {
		return nil, nil, fmt.Errorf("container %s has no network configuration", ShortID(cid))
	}
	if len(cfg.Networks) == 0 {
		// Disconnected from its last network: loopback only, as Docker
		// starts it.
		cfg.Networks = []EndpointRequest{{Network: NoneNetwork}}
	}
	// A container starts under one monitor at a time: networking still
	// recorded for it was left by a monitor that died.
	if _, err := s.Attachment(cid); err == nil {
		if err := s.Detach(ctx, cid); err != nil {
			return nil, nil, err
		}
	}
	return s.attach(ctx, AttachRequest{
		Container: cid, Name: cfg.Name, Hostname: hostname,
		Networks: cfg.Networks, Ports: cfg.Ports,
		ResolvConf: resolvConf, Hosts: hosts,
	})
}

// Forget detaches a container and drops its configuration (docker rm).
func (s *Store) Forget(ctx context.Context, cid string) error {
	_, err := s.detach(ctx, cid, true, false)
	return err
}

// ConnectConfig adds a network to the configuration of container cid,
// named name (docker network connect): a running container joins it at
// once.
func (s *Store) ConnectConfig(ctx context.Context, cid, name string, r EndpointRequest) error {
	var running bool
	err := s.update(ctx, func(st *state) error {
		if err := s.ensureDefaults(st); err != nil {
			return err
		}
		cfg := configOf(st, cid, name)
		n, err := find(st, r.Network)
		if err != nil {
			return err
		}
		if n.Driver != DriverBridge {
			return fmt.Errorf("container %s cannot be connected to network %s: host and none cannot be combined with other networks", cfg.Name, n.Name)
		}
		for _, have := range cfg.Networks {
			h, err := find(st, have.Network)
			if err != nil {
				continue
			}
			if h.ID == n.ID {
				return fmt.Errorf("container %s is already connected to network %s", cfg.Name, n.Name)
			}
			if h.Driver != DriverBridge {
				return fmt.Errorf("container %s uses the %s network, which cannot be combined with %s", cfg.Name, h.Name, n.Name)
			}
		}
		if len(r.Aliases) > 0 && !n.UserDefined() {
			return fmt.Errorf("network-scoped aliases are only supported for user-defined networks, not %q", n.Name)
		}
		r.Network = n.Name
		cfg.Networks = append(cfg.Networks, r)
		_, running = st.Sandboxes[cid]
		return nil
	})
	if err != nil || !running {
		return err
	}
	if err := s.Connect(ctx, cid, r); err != nil {
		s.update(context.WithoutCancel(ctx), func(st *state) error {
			if cfg := st.Configs[cid]; cfg != nil {
				cfg.Networks = cfg.Networks[:len(cfg.Networks)-1]
			}
			return nil
		})
		return err
	}
	return nil
}

// DisconnectConfig takes a network out of the configuration of container
// cid, named name, and, when it runs, off its interfaces.
func (s *Store) DisconnectConfig(ctx context.Context, cid, name, network string) error {
	var running bool
	err := s.update(ctx, func(st *state) error {
		if err := s.ensureDefaults(st); err != nil {
			return err
		}
		cfg := configOf(st, cid, name)
		n, err := find(st, network)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(cfg.Networks, func(r EndpointRequest) bool {
			h, err := find(st, r.Network)
			return err == nil && h.ID == n.ID
		})
		if i < 0 {
			return fmt.Errorf("container %s is not connected to network %s", cfg.Name, n.Name)
		}
		cfg.Networks = slices.Delete(cfg.Networks, i, i+1)
		_, running = st.Sandboxes[cid]
		return nil
	})
	if err != nil || !running {
		return err
	}
	return s.Disconnect(ctx, cid, network)
}

// configOf is the configuration of container cid in st, recorded there
// when it had none (created on none: see Config).
func configOf(st *state, cid, name string) *Config {
	cfg, ok := st.Configs[cid]
	if !ok {
		cfg = &Config{Name: name, Networks: []EndpointRequest{{Network: NoneNetwork}}}
		st.Configs[cid] = cfg
	}
	return cfg
}

// ForgetGone drops the configuration and networking of containers that
// exists reports removed (a crash between rm and Forget).
func (s *Store) ForgetGone(ctx context.Context, exists func(cid string) bool) error {
	st, err := s.read()
	if err != nil {
		return err
	}
	var errs []error
	for cid := range st.Configs {
		if !exists(cid) {
			errs = append(errs, s.Forget(ctx, cid))
		}
	}
	return errors.Join(errs...)
}

// Rename records a container's new name in its networking: its endpoints
// (what network inspect lists and the embedded DNS answers) and its
// recorded config, so the new name resolves and the old one no longer does.
func (s *Store) Rename(ctx context.Context, cid, name string) error {
	return s.update(ctx, func(st *state) error {
		if c := st.Configs[cid]; c != nil {
			c.Name = name
		}
		if sb := st.Sandboxes[cid]; sb != nil {
			sb.Name = name
		}
		for _, ep := range st.Endpoints {
			if ep.Container == cid {
				ep.ContainerName = name
			}
		}
		return nil
	})
}
