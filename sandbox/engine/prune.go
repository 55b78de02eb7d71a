package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/build"
	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// PruneContainers removes every container that is not running and matches
// the filters (label, label!, until: docker container prune) and returns
// their ids. A container that cannot be removed is skipped and its error
// joined to the returned one.
func (e *Engine) PruneContainers(ctx context.Context, f Filters) ([]string, error) {
	if err := f.Validate("label", "label!", "until"); err != nil {
		return nil, err
	}
	until, err := untilFilter(f)
	if err != nil {
		return nil, err
	}
	all, err := e.containers.List()
	if err != nil {
		return nil, err
	}
	var deleted []string
	var problems []error
	for _, c := range all {
		if c.State.Status == container.Running || c.State.Status == container.Restarting {
			continue
		}
		if !f.Labels(c.Spec.Config.Labels) || !until.IsZero() && !c.Created.Before(until) {
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

// untilFilter reads until= as Docker does: a Unix time, an RFC 3339 time
// or a duration before now ("24h").
func untilFilter(f Filters) (time.Time, error) {
	vs := f["until"]
	if len(vs) == 0 {
		return time.Time{}, nil
	}
	if len(vs) > 1 {
		return time.Time{}, Invalid(errors.New("more than one until filter specified"))
	}
	v := vs[0]
	if d, err := time.ParseDuration(v); err == nil {
		return time.Now().Add(-d), nil
	}
	if sec, err := strconv.ParseFloat(v, 64); err == nil {
		return time.Unix(0, int64(sec*1e9)), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, Invalid(fmt.Errorf("failed to parse value as time or duration: %q", v))
}

// PruneVolumes removes unused volumes (docker volume prune): anonymous ones
// unless all (or the filter all=true), and only those the label and label!
// filters match. It returns their names and the bytes freed.
func (e *Engine) PruneVolumes(ctx context.Context, all bool, f Filters) ([]string, int64, error) {
	if err := f.Validate("all", "label", "label!"); err != nil {
		return nil, 0, err
	}
	if allF, err := f.Bool("all", false); err != nil {
		return nil, 0, err
	} else if allF {
		all = true
	}
	vs, err := e.volumes()
	if err != nil {
		return nil, 0, err
	}
	return vs.Prune(ctx, all, func(v *volume.Volume) bool { return f.Labels(v.Labels) })
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
	rep.Containers, err = e.PruneContainers(ctx, nil)
	problems = append(problems, err)
	if ns, err := e.networks(); err != nil {
		problems = append(problems, err)
	} else {
		rep.Networks, err = ns.Prune(ctx)
		problems = append(problems, err)
	}
	if o.Volumes {
		var freed int64
		rep.Volumes, freed, err = e.PruneVolumes(ctx, false, nil)
		rep.Reclaimed += freed
		problems = append(problems, err)
	}
	if ir, err := e.images.Prune(ctx, o.AllImages); err != nil {
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
