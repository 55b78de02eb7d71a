package monitor

import (
	"context"
	"errors"
	"fmt"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// Volumes opens the volume store (<root>/volumes). A volume counts as in
// use while any container, running or not, mounts it.
func Volumes(root string) (*volume.Store, error) {
	s, err := volume.Open(root)
	if err != nil {
		return nil, err
	}
	s.SetInUse(func(name string) []string {
		cs, err := container.Open(root)
		if err != nil {
			return nil
		}
		all, err := cs.List()
		if err != nil {
			return nil
		}
		var users []string
		for _, c := range all {
			for _, m := range c.Spec.Host.Mounts {
				if m.Type == volume.TypeVolume && m.Name == name {
					users = append(users, c.ID)
					break
				}
			}
		}
		return users
	})
	return s, nil
}

// PrepareVolumes runs before each start: anonymous volumes named at create
// are made, and a volume that is still empty is filled from the image's
// content at its path, as Docker does on first use, unless it was mounted
// with nocopy.
func PrepareVolumes(ctx context.Context, root string, c *container.Container) error {
	vs, err := Volumes(root)
	if err != nil {
		return err
	}
	for _, m := range c.Spec.Host.Mounts {
		if m.Type != volume.TypeVolume {
			continue
		}
		if _, err := vs.Inspect(ctx, m.Name); errors.Is(err, volume.ErrNotFound) {
			if _, err := vs.Create(ctx, volume.CreateOptions{Name: m.Name, Anonymous: volume.IsAnonymousName(m.Name)}); err != nil {
				return err
			}
		}
		if !volume.ShouldPopulate(m.Source) {
			continue
		}
		if err := volume.Populate(m.Source, c.Spec.LowerDirs, m.Destination); err != nil {
			return fmt.Errorf("volume %s: %w", m.Name, err)
		}
	}
	return nil
}

// ReleaseVolumes runs after a container is removed, or, for --rm, while
// its monitor removes it (ignore: its id, still recorded): its volumes are
// no longer in use by it, and with removeAnonymous (rm -v, --rm) its
// anonymous volumes that no other container mounts go too.
func ReleaseVolumes(ctx context.Context, root string, c *container.Container, removeAnonymous bool, ignore string) error {
	vs, err := Volumes(root)
	if err != nil {
		return err
	}
	if err := vs.Release(ctx, c.ID, false); err != nil {
		return err
	}
	if !removeAnonymous {
		return nil
	}
	var errs []error
	for _, m := range c.Spec.Host.Mounts {
		if m.Type != volume.TypeVolume {
			continue
		}
		v, err := vs.Inspect(ctx, m.Name)
		if err != nil || !v.Anonymous {
			continue
		}
		if err := vs.RemoveIgnoring(ctx, v.Name, ignore); err != nil && !errors.Is(err, volume.ErrInUse) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
