package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/google/go-containerregistry/pkg/v1/mutate"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/scope"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// What the engine creates while a lesson step is active (sandbox/scope)
// carries the step's labels, whichever front end asked: the create points
// below and CreateContainer, the named volumes of -v and the images the
// builder writes call lessonLabels. `dockyard reset` removes by them.

// lessonLabels adds the active step's labels to labels (never over the
// user's own).
func (e *Engine) lessonLabels(labels map[string]string) map[string]string {
	return scope.Read(e.root).Apply(maps.Clone(labels))
}

// CreateNetwork makes a user-defined network, labelled with the active
// lesson step.
func (e *Engine) CreateNetwork(ctx context.Context, o network.CreateOptions) (*network.Network, error) {
	ns, err := e.networks()
	if err != nil {
		return nil, err
	}
	o.Labels = e.lessonLabels(o.Labels)
	return ns.Create(ctx, o)
}

// CreateVolume makes a volume (or returns the one of that name), labelled
// with the active lesson step when it is new.
func (e *Engine) CreateVolume(ctx context.Context, o volume.CreateOptions) (*volume.Volume, error) {
	vs, err := e.volumes()
	if err != nil {
		return nil, err
	}
	o.Labels = e.lessonLabels(o.Labels)
	return vs.Create(ctx, o)
}

// labelledImage is img with the active step's labels in its config, or img
// itself when no lesson is active.
func (e *Engine) labelledImage(img v1.Image) (v1.Image, error) {
	s := scope.Read(e.root)
	if len(s.Labels()) == 0 {
		return img, nil
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Config.Labels = s.Apply(cf.Config.Labels)
	return mutate.ConfigFile(img, cf)
}

// Removed counts what RemoveLabelled removed.
type Removed struct {
	Containers, Networks, Volumes, Images int
}

// RemoveLabelled removes the containers (with their anonymous volumes),
// networks, volumes and images whose label key has value, in that order so
// that nothing removed is still in use: what one lesson step or lesson made,
// for `dockyard reset`. It goes on past a failure and returns every
// failure joined.
func (e *Engine) RemoveLabelled(ctx context.Context, key, value string) (Removed, error) {
	var r Removed
	var errs []error
	cs, err := e.containers.List()
	if err != nil {
		return r, err
	}
	for _, c := range cs {
		if c.Spec.Config.Labels[key] != value {
			continue
		}
		if err := e.RemoveContainer(ctx, c.ID, true, true); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", c.Name, err))
			continue
		}
		r.Containers++
	}
	if ns, err := e.networks(); err != nil {
		errs = append(errs, err)
	} else if list, err := ns.List(ctx); err != nil {
		errs = append(errs, err)
	} else {
		for _, n := range list {
			if n.Labels[key] != value {
				continue
			}
			if _, err := ns.Remove(ctx, n.ID); err != nil {
				errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
				continue
			}
			r.Networks++
		}
	}
	if vs, err := e.volumes(); err != nil {
		errs = append(errs, err)
	} else if list, err := vs.List(ctx); err != nil {
		errs = append(errs, err)
	} else {
		for _, v := range list {
			if v.Labels[key] != value {
				continue
			}
			if err := vs.Remove(ctx, v.Name); err != nil {
				errs = append(errs, fmt.Errorf("remove volume %s: %w", v.Name, err))
				continue
			}
			r.Volumes++
		}
	}
	imgs, err := e.images.List(ctx)
	if err != nil {
		return r, errors.Join(append(errs, err)...)
	}
	for _, img := range imgs {
		if img.Config == nil || img.Config.Config.Labels[key] != value {
			continue
		}
		if _, err := e.images.Remove(ctx, img.ID, image.RemoveOptions{Force: true}); err != nil {
			errs = append(errs, fmt.Errorf("remove image %s: %w", img.ID, err))
			continue
		}
		r.Images++
	}
	return r, errors.Join(errs...)
}
