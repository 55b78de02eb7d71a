package monitor

import (
	"context"
	"errors"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// Hooks are the container monitor's hooks for networking and
// volumes: before each start the container's volumes are filled from the
// image on first use, its network namespace is prepared (network.Store.Start)
// and its port proxies and DNS responder opened; after each exit its
// networking is released.
func Hooks(root string) container.Hooks {
	return container.Hooks{
		Prestart: func(ctx context.Context, c *container.Container) (container.Network, error) {
			if err := PrepareVolumes(ctx, root, c); err != nil {
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
				// Created on none (network.Config): loopback only, in the
				// container's new namespace, and the container store's
				// hosts and resolv.conf serve as they are.
				return container.Network{}, nil
			}
			hostname := c.Spec.Config.Hostname
			if hostname == "" {
				hostname = c.ShortID()
			}
			att, err := ns.Start(ctx, c.ID, hostname, cs.ResolvConfPath(c.ID), cs.HostsPath(c.ID))
			if ReleaseDeadHolder(ctx, root, ns, err) {
				att, err = ns.Start(ctx, c.ID, hostname, cs.ResolvConfPath(c.ID), cs.HostsPath(c.ID))
			}
			if err != nil {
				return container.Network{}, err
			}
			switch {
			case att.Mode.IsHost():
				return container.Network{NetNS: "host"}, nil
			case att.Mode.IsNone():
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
			if _, ok := ns.ConfigOf(c.ID); !ok {
				// Created on none: no networking to release (see Prestart).
				if c.Spec.Host.AutoRemove {
					return ReleaseVolumes(ctx, root, c, true, c.ID)
				}
				return nil
			}
			if !c.Spec.Host.AutoRemove {
				return ns.Detach(ctx, c.ID)
			}
			// --rm: the monitor removes the container next; forget its
			// networking and its anonymous volumes now, as docker run --rm.
			return errors.Join(ns.Forget(ctx, c.ID), ReleaseVolumes(ctx, root, c, true, c.ID))
		},
	}
}
