package engine

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// ListOptions are `docker ps`'s -a, -n and --filter (GET /containers/json).
type ListOptions struct {
	All bool
	// Limit keeps the newest n containers, of any state; 0 or less: all.
	Limit   int
	Filters Filters
}

// psFilters are the filter keys Docker's daemon accepts for a listing.
var psFilters = []string{"ancestor", "before", "exited", "id", "isolation", "label", "name",
	"status", "health", "since", "volume", "network", "is-task", "publish", "expose"}

// statuses are the values of the status filter (Docker's container states).
var statuses = []string{"created", "running", "paused", "restarting", "removing", "exited", "dead"}

// listedImages gives each listed container the image reference Docker's
// listing shows: the one it was created from while that still names its
// image, else the image's ID (moby's daemon/list.go refreshImage), so a
// tag removed or moved to another image is not shown on a container that
// runs something else. The records keep the reference (inspect's
// Config.Image).
func (e *Engine) listedImages(ctx context.Context, list []*container.Container) {
	resolved := map[string]string{} // reference -> image ID, "" when it names none
	for _, c := range list {
		ref := c.Spec.Image
		if ref == c.Spec.ImageID || c.Spec.ImageID == "" {
			continue
		}
		id, ok := resolved[ref]
		if !ok {
			// An image the store cannot read is named by its ID too: the
			// reference no longer shows which image the container runs.
			if img, err := e.images.Get(ctx, ref); err == nil {
				id = img.ID
			}
			resolved[ref] = id
		}
		if id != c.Spec.ImageID {
			c.Spec.Image = c.Spec.ImageID
		}
	}
}

// ListContainers lists containers newest first as `docker ps` and GET
// /containers/json do, with every filter of Docker's daemon (moby's
// daemon/list.go): running ones unless All, a status filter or a Limit.
// Running containers carry the host ports in effect.
func (e *Engine) ListContainers(ctx context.Context, o ListOptions) ([]*container.Container, error) {
	f := o.Filters
	if err := f.Validate(psFilters...); err != nil {
		return nil, err
	}
	var exited []int
	for _, v := range f["exited"] {
		code, err := strconv.Atoi(v)
		if err != nil {
			return nil, Invalid(fmt.Errorf("invalid filter 'exited=%s'", v))
		}
		exited = append(exited, code)
	}
	for _, v := range f["status"] {
		if !slices.Contains(statuses, v) {
			return nil, Invalid(fmt.Errorf("invalid filter 'status=%s': invalid container state: %q", v, v))
		}
		o.All = true
	}
	for _, v := range f["health"] {
		if !slices.Contains([]string{"starting", "healthy", "unhealthy", "none"}, v) {
			return nil, Invalid(fmt.Errorf("invalid filter 'health=%s': invalid health status: %q", v, v))
		}
	}
	isTask, err := f.Bool("is-task", false)
	if err != nil {
		return nil, err
	}
	publish, err := portFilter(f, "publish")
	if err != nil {
		return nil, err
	}
	expose, err := portFilter(f, "expose")
	if err != nil {
		return nil, err
	}
	all, err := e.containers.List()
	if err != nil {
		return nil, err
	}
	all = e.removeHalfMade(ctx, all)
	e.WithLivePorts(all)
	var before, since string
	for _, v := range f["before"] {
		if before, err = e.containerID(v); err != nil {
			return nil, err
		}
	}
	for _, v := range f["since"] {
		if since, err = e.containerID(v); err != nil {
			return nil, err
		}
	}
	var images map[string]bool
	if f.Has("ancestor") {
		images = map[string]bool{}
		for _, v := range f["ancestor"] {
			if img, err := e.images.Get(ctx, v); err == nil {
				images[img.ID] = true
			}
		}
	}
	var out []*container.Container
	for _, c := range all {
		if before != "" {
			if c.ID == before {
				before = ""
			}
			continue
		}
		if since != "" && c.ID == since {
			break
		}
		running := c.State.Status == container.Running || c.State.Status == container.Restarting
		if !running && !o.All && o.Limit <= 0 {
			continue
		}
		if !f.Match("name", c.Name) && !f.Match("name", "/"+c.Name) || !f.Match("id", c.ID) {
			continue
		}
		if f.Has("is-task") && isTask || !f.Labels(c.Spec.Config.Labels) {
			continue // Dockyard has no swarm tasks
		}
		if o.Limit > 0 && len(out) == o.Limit {
			break
		}
		if len(exited) > 0 && (running || c.State.StartedAt.IsZero() || !slices.Contains(exited, c.State.ExitCode)) {
			continue
		}
		if !f.Match("status", string(c.State.Status)) || !f.Exact("health", HealthStatus(c)) {
			continue
		}
		if !f.Any("volume", func(v string) bool {
			return slices.ContainsFunc(c.Spec.Host.Mounts, func(m container.Mount) bool {
				return m.Destination == v || m.Name == v || m.Name == "" && m.Source == v
			})
		}) {
			continue
		}
		if images != nil && !images[c.Spec.ImageID] {
			continue
		}
		if f.Has("network") && !e.onNetwork(ctx, c, f["network"]) {
			continue
		}
		if (len(publish) > 0 || len(expose) > 0) && !matchPorts(c, publish, expose) {
			continue
		}
		out = append(out, c)
	}
	e.listedImages(ctx, out)
	return out, nil
}

// containerID resolves a before= or since= filter's container.
func (e *Engine) containerID(ref string) (string, error) {
	c, err := e.containers.Get(strings.TrimPrefix(ref, "/"))
	if err != nil {
		return "", err
	}
	return c.ID, nil
}

// onNetwork reports whether c is on one of the networks, by name or id
// prefix.
func (e *Engine) onNetwork(ctx context.Context, c *container.Container, refs []string) bool {
	ns, err := e.networks()
	if err != nil {
		return false
	}
	for _, r := range e.networkConfig(c).Networks {
		if slices.Contains(refs, r.Network) {
			return true
		}
		if info, err := ns.Inspect(ctx, r.Network); err == nil {
			if slices.ContainsFunc(refs, func(v string) bool { return strings.HasPrefix(info.ID, v) }) {
				return true
			}
		}
	}
	return false
}

// portFilter reads publish= or expose= values: a port or a range, with an
// optional protocol (80, 8000-8010/udp).
func portFilter(f Filters, key string) (map[network.Port]bool, error) {
	out := map[network.Port]bool{}
	for _, v := range f[key] {
		if strings.Contains(v, ":") {
			return nil, Invalid(fmt.Errorf("filter for '%s' should not contain ':': %s", key, v))
		}
		ports, err := network.ParsePortRange(v)
		if err != nil {
			return nil, Invalid(fmt.Errorf("error while looking up for %s %s: invalid port range", key, v))
		}
		for _, p := range ports {
			out[p] = true
		}
	}
	return out, nil
}

// matchPorts reports whether a running c publishes a host port in publish
// or exposes a container port in expose, as Docker's list does from the
// ports `docker ps` shows.
func matchPorts(c *container.Container, publish, expose map[network.Port]bool) bool {
	if c.State.Status != container.Running {
		return false
	}
	for key, bs := range c.Spec.Host.PortBindings {
		port, err := network.ParsePort(key)
		if err != nil {
			continue
		}
		if expose[port] {
			return true
		}
		for _, b := range bs {
			if hp, err := strconv.ParseUint(b.HostPort, 10, 16); err == nil && publish[network.Port{Num: uint16(hp), Proto: port.Proto}] {
				return true
			}
		}
	}
	for _, key := range c.Spec.Config.ExposedPorts {
		if port, err := network.ParsePort(key); err == nil && expose[port] {
			return true
		}
	}
	return false
}
