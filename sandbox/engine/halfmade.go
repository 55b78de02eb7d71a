package engine

import (
	"context"
	"errors"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/monitor"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// removeHalfMade removes, from the store and from list, the containers a
// killed create left half made: CreateContainer writes the container's
// record, then its networking's (network.Store.Configure), and a create
// killed in between leaves a container that would start on none. Such a
// container was never handed to anyone (the create did not return), so it
// goes as if the create had not happened, with its anonymous volumes, and
// its name is free again. One whose creator still runs is a create in
// progress and stays. It runs where the engine reads the containers'
// records for a listing, as the rest of its start-up recovery (a dead
// monitor's record, a crashed network's leftovers).
func (e *Engine) removeHalfMade(ctx context.Context, list []*container.Container) []*container.Container {
	var ns *network.Store
	out := list[:0]
	for i, c := range list {
		if !mayBeHalfMade(c) {
			out = append(out, c)
			continue
		}
		if ns == nil {
			var err error
			if ns, err = e.networks(); err != nil {
				return append(out, list[i:]...)
			}
		}
		if ok, err := ns.Configured(c.ID); ok || err != nil {
			out = append(out, c)
			continue
		}
		err := e.RemoveContainer(ctx, c.ID, true, true)
		if err != nil && !errors.Is(err, container.ErrNotFound) {
			out = append(out, c) // listed as it is; the next listing tries again
		}
	}
	return out
}

// mayBeHalfMade reports whether c could be a killed create's: created,
// never started, of a network mode that has a network record, and created
// by a process that is gone.
func mayBeHalfMade(c *container.Container) bool {
	return c.State.Status == container.Created && c.State.MonitorPid == 0 &&
		monitor.HasNetworkRecord(c) && !c.CreatorAlive()
}
