package engine

import (
	"context"
	"errors"

	"github.com/dockyard-lab/dockyard/sandbox/build"
	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// PruneContainers removes every container that is not running (docker
// container prune) and returns their ids. A container that cannot be
// removed is skipped and its error joined to the returned one.
func (e *Engine) PruneContainers(ctx context.Context) ([]string, error) {
	all, err := e.Containers.List()
	if err != nil {
		return nil, err
	}
	var deleted []string
	var problems []error
	for _, c := range all {
		if c.State.Status == container.Running || c.State.Status == container.Restarting {
			continue
		}
		if err := e.RemoveContainer(ctx, c.ID, false, false); err != nil {
			problems = append(problems, err)
			continue
		}
		deleted = append(deleted, c.ID)
	}
	return deleted, errors.Join(problems...)
}

// SystemPruneOptions choose what `docker system prune` removes beyond
// stopped containers, unused networks, dangling images and the build cache.
type SystemPruneOptions struct {
	// AllImages removes every image no container uses, not just dangling ones.
	AllImages bool
	// Volumes removes anonymous volumes no container uses.
	Volumes bool
}

// SystemPruneReport is what `docker system prune` removed.
type SystemPruneReport struct {
	Containers []string
	Networks   []string
	Volumes    []string
	Images     []image.Removed
	// Reclaimed counts the bytes of images, volumes and build cache freed.
	Reclaimed int64
}

// SystemPrune is `docker system prune`: containers first, so that the
// networks, volumes and images they held become unused.
func (e *Engine) SystemPrune(ctx context.Context, o SystemPruneOptions) (SystemPruneReport, error) {
	var rep SystemPruneReport
	var problems []error
	var err error
	rep.Containers, err = e.PruneContainers(ctx)
	problems = append(problems, err)
	if ns, err := e.Networks(); err != nil {
		problems = append(problems, err)
	} else {
		rep.Networks, err = ns.Prune(ctx)
		problems = append(problems, err)
	}
	if o.Volumes {
		if vs, err := e.Volumes(); err != nil {
			problems = append(problems, err)
		} else {
			var freed int64
			rep.Volumes, freed, err = vs.Prune(ctx, false)
			rep.Reclaimed += freed
			problems = append(problems, err)
		}
	}
	if ir, err := e.Images.Prune(ctx, o.AllImages); err != nil {
		problems = append(problems, err)
	} else {
		rep.Images = ir.Removed
		rep.Reclaimed += ir.SpaceReclaimed
	}
	freed, err := e.Builder().Prune()
	if errors.Is(err, build.ErrBuildRunning) {
		err = nil // a build in progress keeps its cache
	}
	rep.Reclaimed += freed
	problems = append(problems, err)
	return rep, errors.Join(problems...)
}
