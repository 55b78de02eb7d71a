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
	if err != nil || h.State.Status == container.Running || h.State.Status == container.Restarting {
		return false
	}
	return ns.Detach(ctx, h.ID) == nil
}

// ReconcileNetworks removes what crashed monitors left: the networking of
// containers that are not running, and that of removed ones.
func ReconcileNetworks(ctx context.Context, root string) error {
	cs, err := container.Open(root)
	if err != nil {
		return err
	}
	ns, err := network.Open(root)
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
