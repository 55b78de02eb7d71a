package engine

import (
	"context"

	imagetypes "github.com/moby/moby/api/types/image"
	apinet "github.com/moby/moby/api/types/network"
)

// Networks and volumes by name: what `docker network`, `docker volume` and
// their API routes do with one of them. Network operations first clean up
// what crashed monitors left, so what the user sees is current.

// InspectNetwork is `docker network inspect` of one network, in the Docker
// Engine API's shape.
func (e *Engine) InspectNetwork(ctx context.Context, ref string) (apinet.Inspect, error) {
	_ = e.ReconcileNetworks(ctx)
	s, err := e.networks()
	if err != nil {
		return apinet.Inspect{}, err
	}
	in, err := s.Inspect(ctx, ref)
	if err != nil {
		return apinet.Inspect{}, err
	}
	return NetworkInspect(in, s.Prefix()), nil
}

// InspectNetworks is ListNetworks in the Docker Engine API's shape
// (GET /networks).
func (e *Engine) InspectNetworks(ctx context.Context, f Filters) ([]apinet.Inspect, error) {
	list, err := e.ListNetworks(ctx, f)
	if err != nil {
		return nil, err
	}
	s, err := e.networks()
	if err != nil {
		return nil, err
	}
	out := []apinet.Inspect{}
	for _, in := range list {
		out = append(out, NetworkInspect(in, s.Prefix()))
	}
	return out, nil
}

// RemoveNetwork is `docker network rm` of one network.
func (e *Engine) RemoveNetwork(ctx context.Context, ref string) error {
	_ = e.ReconcileNetworks(ctx)
	s, err := e.networks()
	if err != nil {
		return err
	}
	_, err = s.Remove(ctx, ref)
	return err
}

// PruneNetworks removes the custom networks no container uses and
// returns their names.
func (e *Engine) PruneNetworks(ctx context.Context) ([]string, error) {
	_ = e.ReconcileNetworks(ctx)
	s, err := e.networks()
	if err != nil {
		return nil, err
	}
	return s.Prune(ctx)
}

// ResetNetworks removes all of the state root's networking (bridges,
// tables, namespaces): `dockyard docker network reset`.
func (e *Engine) ResetNetworks(ctx context.Context) error {
	s, err := e.networks()
	if err != nil {
		return err
	}
	return s.Teardown(ctx)
}

// InspectVolume is one volume by name.
func (e *Engine) InspectVolume(ctx context.Context, name string) (*Volume, error) {
	s, err := e.volumes()
	if err != nil {
		return nil, err
	}
	return s.Inspect(ctx, name)
}

// RemoveVolume is `docker volume rm` of one volume.
func (e *Engine) RemoveVolume(ctx context.Context, name string) error {
	s, err := e.volumes()
	if err != nil {
		return err
	}
	return s.Remove(ctx, name)
}

// VolumeUsers are the containers that mount v (docker volume ls's Links).
func (e *Engine) VolumeUsers(v *Volume) []string {
	s, err := e.volumes()
	if err != nil {
		return nil
	}
	return s.Users(v)
}

// DamagedVolumes are the volumes whose record cannot be read, for one
// WARNING line each in `docker volume ls`.
func (e *Engine) DamagedVolumes(ctx context.Context) []error {
	s, err := e.volumes()
	if err != nil {
		return nil
	}
	var out []error
	for _, d := range s.Damaged(ctx) {
		out = append(out, d)
	}
	return out
}

// DamagedContainers are the containers whose record cannot be read, for
// one WARNING line each in `docker ps`.
func (e *Engine) DamagedContainers() ([]error, error) {
	damaged, err := e.containers.Damaged()
	if err != nil {
		return nil, err
	}
	var out []error
	for _, d := range damaged {
		out = append(out, d)
	}
	return out, nil
}

// InspectImage is `docker image inspect` of one image, in the Docker
// Engine API's shape.
func (e *Engine) InspectImage(ctx context.Context, ref string) (imagetypes.InspectResponse, error) {
	img, err := e.images.Get(ctx, ref)
	if err != nil {
		return imagetypes.InspectResponse{}, err
	}
	return e.images.Inspect(ctx, img)
}
