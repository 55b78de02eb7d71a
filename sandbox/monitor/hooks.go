package monitor

import (
	"context"
	"errors"
	"fmt"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/errdefs"
	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// Hooks are the container monitor's hooks for networking and
// volumes: before each start the container's volumes are filled from the
// image on first use, its network namespace is prepared (network.Store.Prepare),
// and its interfaces, port proxies and DNS responder are set up while the
// runtime creates the container's init; after each exit its networking is
// released.
func Hooks(root string) container.Hooks {
	return container.Hooks{
		Prestart: markingMissing(func(ctx context.Context, c *container.Container) (container.Network, error) {
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
			if _, ok := ns.ConfigOf(c.ID); !ok && !HasNetworkRecord(c) {
				// Created on none (network.Config): loopback only, in the
				// container's new namespace, and the container store's
				// hosts and resolv.conf serve as they are.
				return container.Network{}, nil
			} else if !ok {
				// Not on none: its create was killed before it recorded
				// the networking (or it did meanwhile: prepared below).
				if configured, err := ns.Configured(c.ID); err != nil {
					return container.Network{}, err
				} else if !configured {
					return container.Network{}, errdefs.Mark(errdefs.Conflict, fmt.Errorf("container %s: %w", c.Name, ErrHalfMade))
				}
			}
			hostname := c.Spec.Config.Hostname
			if hostname == "" {
				hostname = c.ShortID()
			}
			att, setup, err := ns.Prepare(ctx, c.ID, hostname, cs.ResolvConfPath(c.ID), cs.HostsPath(c.ID))
			if ReleaseDeadHolder(ctx, root, ns, err) {
				att, setup, err = ns.Prepare(ctx, c.ID, hostname, cs.ResolvConfPath(c.ID), cs.HostsPath(c.ID))
			}
			if errors.Is(err, network.ErrNotFound) {
				// Its network was removed while it was stopped, as
				// Docker allows; moby's start says it in these words.
				return container.Network{}, fmt.Errorf("failed to set up container networking: %w", err)
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
			// The namespace is made while the runtime's configuration is
			// built (Joinable is waited for before the container's init
			// joins it), then its interfaces, port proxies and DNS
			// responder (with its redirect) are set up while the init is
			// created; Ready is waited for before the container's process
			// starts.
			type result struct {
				svcs []container.Service
				err  error
			}
			done := make(chan result, 1)
			go func() {
				svcs, err := wireServices(ctx, ns, c.ID, setup)
				if err != nil {
					ns.Detach(context.WithoutCancel(ctx), c.ID)
				}
				done <- result{svcs, err}
			}()
			return container.Network{NetNS: att.NetNS, Joinable: setup.Made, Ready: func() ([]container.Service, error) {
				r := <-done
				return r.svcs, r.err
			}}, nil
		}),
		Poststop: func(ctx context.Context, c *container.Container) (func(), error) {
			ns, err := network.Open(root)
			if err != nil {
				return nil, err
			}
			if _, ok := ns.ConfigOf(c.ID); !ok {
				// Created on none: no networking to release (see Prestart).
				if c.Spec.Host.AutoRemove {
					return nil, ReleaseVolumes(ctx, root, c, true, c.ID)
				}
				return nil, nil
			}
			// The veths go once the caller has been told (DetachLater).
			if !c.Spec.Host.AutoRemove {
				deleteLinks, err := ns.DetachLater(ctx, c.ID)
				return bestEffort(deleteLinks), err
			}
			// --rm: the monitor removes the container next; forget its
			// networking and its anonymous volumes now, as docker run --rm.
			deleteLinks, err := ns.ForgetLater(ctx, c.ID)
			return bestEffort(deleteLinks), errors.Join(err, ReleaseVolumes(ctx, root, c, true, c.ID))
		},
	}
}

// markingMissing is prestart with a network or volume that is gone since
// the container was created given the kind NotFound, which the failed
// start carries to the front ends (Docker's daemon answers 404: "network
// x not found").
func markingMissing(prestart func(context.Context, *container.Container) (container.Network, error)) func(context.Context, *container.Container) (container.Network, error) {
	return func(ctx context.Context, c *container.Container) (container.Network, error) {
		nw, err := prestart(ctx, c)
		if errors.Is(err, network.ErrNotFound) || errors.Is(err, volume.ErrNotFound) {
			err = errdefs.Mark(errdefs.NotFound, err)
		}
		return nw, err
	}
}

// wireServices makes a prepared namespace, connects its interfaces and
// opens the container's services.
func wireServices(ctx context.Context, ns *network.Store, cid string, setup *network.Setup) ([]container.Service, error) {
	if err := setup.Run(ctx); err != nil {
		return nil, err
	}
	svcs, err := ns.Services(cid)
	if err != nil {
		return nil, err
	}
	out := make([]container.Service, 0, len(svcs))
	for _, s := range svcs {
		out = append(out, container.Service(s))
	}
	return out, nil
}

// bestEffort runs f, when there is one, for a Poststop's later: a veth
// left by a failed deletion is a link no endpoint owns, which the network
// store's Reconcile deletes.
func bestEffort(f func() error) func() {
	if f == nil {
		return nil
	}
	return func() { _ = f() }
}
