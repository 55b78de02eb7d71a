package monitor

import (
	"context"
	"errors"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// ReleaseDeadHolder frees the networking, and so the published ports, of
// the container that err (from network.Store Configure or Start) says
// holds a host port, when that container is not running: one whose monitor
// was killed never detached, and must not keep its ports. It reports
// whether anything was freed, so that the caller tries once more.
func ReleaseDeadHolder(ctx context.Context, root string, ns *network.Store, err error) bool {
	var pc *network.PortConflictError
	if !errors.As(err, &pc) || pc.Holder == "" {
		return false
	}
	cs, err := container.Open(root)
	if err != nil {
		return false
	}
	h, err := cs.Get(pc.Holder)
	if err != nil || holdsNetwork(h) {
		return false
	}
	return ns.Detach(ctx, h.ID) == nil
}

// holdsNetwork reports whether c's networking is in use or about to be: it
// runs or restarts, or its monitor lives (and is starting it). Only a
// monitor attaches a network, after it claims its container, so a
// container that is merely created holds none: a sandbox recorded for one
// is what a monitor killed mid-start left, and would make every later
// start fail with "already has networking".
func holdsNetwork(c *container.Container) bool {
	switch c.State.Status {
	case container.Running, container.Restarting:
		return true
	}
	return c.MonitorAlive()
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
		return err == nil && holdsNetwork(c)
	}
	return errors.Join(ns.ForgetGone(ctx, exists), ns.Reconcile(ctx, alive))
}

// HasNetworkRecord reports whether c's create records networking for it
// (network.Store.Configure): every network mode but none, and none with
// published ports. Such a container without its record was left half made
// by a create killed between the two records; it must not start on none.
func HasNetworkRecord(c *container.Container) bool {
	return !network.Mode(c.Spec.Host.NetworkMode).IsNone() || len(c.Spec.Host.PortBindings) > 0
}

// ErrHalfMade is the start of a container whose create was killed before
// it recorded the container's networking.
var ErrHalfMade = errors.New("its creation was interrupted before its networking was recorded: remove it and create it again")
