package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/monitor"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// volumes opens the volume store (<root>/volumes). A volume counts as in
// use while any container, running or not, mounts it.
func (e *Engine) volumes() (*volume.Store, error) { return monitor.Volumes(e.root) }

// resolveMounts turns mount specs into the container store's mounts: host
// directories of binds (a missing one is created for -v, as Docker), volume
// directories (the volume is created on first use, named or anonymous) and
// tmpfs. Every bad value is reported, and nothing is created unless all of
// them are good.
func (e *Engine) resolveMounts(ctx context.Context, specs []volume.Spec) ([]container.Mount, error) {
	var problems []string
	seen := map[string]bool{}
	for _, s := range specs {
		if seen[s.Target] {
			problems = append(problems, fmt.Sprintf("duplicate mount point: %s (mount one thing per path)", s.Target))
		}
		seen[s.Target] = true
		if s.Type == volume.TypeBind && !s.CreateSource {
			if _, err := os.Stat(s.Source); err != nil {
				problems = append(problems, fmt.Sprintf("invalid mount config for type \"bind\": bind source path does not exist: %s (create it first, or use -v, which creates it)", s.Source))
			}
		}
	}
	if len(problems) > 0 {
		return nil, Invalid(errors.New(strings.Join(problems, "; ")))
	}
	vs, err := e.volumes()
	if err != nil {
		return nil, err
	}
	var mounts []container.Mount
	for _, s := range specs {
		m := container.Mount{Type: s.Type, Destination: s.Target, ReadOnly: s.ReadOnly}
		switch s.Type {
		case volume.TypeBind:
			if err := volume.PrepareBind(s); err != nil {
				return nil, err
			}
			m.Source = s.Source
		case volume.TypeVolume:
			name, anon := s.Source, s.Source == ""
			if anon {
				name = volume.NewAnonymousName()
			}
			m.Name, m.Source = name, vs.Path(name)
			if anon && !s.NoCopy {
				break // made at the first start, so a create that fails leaves none
			}
			v, err := vs.Create(ctx, volume.CreateOptions{Name: name, Anonymous: anon, Labels: e.lessonLabels(nil)})
			if err != nil {
				return nil, err
			}
			if s.NoCopy {
				if err := volume.MarkNoCopy(v.Mountpoint); err != nil {
					return nil, fmt.Errorf("volume %s: %w", v.Name, err)
				}
			}
		}
		mounts = append(mounts, m)
	}
	return mounts, nil
}

// AnonymousVolumes returns anonymous volumes for the image's VOLUME paths
// that no mount covers, as Docker creates them.
func (e *Engine) AnonymousVolumes(ctx context.Context, imageVolumes []string, mounts []container.Mount) ([]container.Mount, error) {
	covered := map[string]bool{}
	for _, m := range mounts {
		covered[m.Destination] = true
	}
	vs, err := e.volumes()
	if err != nil {
		return nil, err
	}
	var out []container.Mount
	for _, p := range imageVolumes {
		if covered[p] {
			continue
		}
		// Named now, made at the first start (monitor.PrepareVolumes).
		name := volume.NewAnonymousName()
		out = append(out, container.Mount{Type: volume.TypeVolume, Name: name, Source: vs.Path(name), Destination: p})
	}
	return out, nil
}

// releaseVolumes runs after a container is removed: with rm -v its
// anonymous volumes that no other container mounts go too.
func (e *Engine) releaseVolumes(ctx context.Context, c *container.Container, removeAnonymous bool) error {
	return monitor.ReleaseVolumes(ctx, e.root, c, removeAnonymous, "")
}
