package engine

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// ListNetworks lists networks as `docker network ls` and GET /networks do,
// with Docker's filters (name, id, driver, label, type), in Docker's CLI
// order (natural: pxn9 before pxn10).
func (e *Engine) ListNetworks(ctx context.Context, f Filters) ([]network.Info, error) {
	if err := f.Validate("name", "id", "driver", "label", "label!", "type", "dangling", "scope"); err != nil {
		return nil, err
	}
	for _, v := range f["type"] {
		if v != "custom" && v != "builtin" {
			return nil, Invalid(fmt.Errorf("invalid filter: 'type'='%s'", v))
		}
	}
	_ = e.ReconcileNetworks(ctx)
	ns, err := e.networks()
	if err != nil {
		return nil, err
	}
	list, err := ns.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []network.Info
	for _, n := range list {
		if f.Any("name", func(v string) bool { return strings.Contains(n.Name, v) }) &&
			f.Any("id", func(v string) bool { return strings.HasPrefix(n.ID, v) }) &&
			f.Exact("driver", n.Driver) && f.Exact("scope", "local") && f.Labels(n.Labels) &&
			f.Any("type", func(v string) bool { return (v == "builtin") == n.Predefined }) &&
			f.Any("dangling", func(v string) bool { return (v == "true" || v == "1") == (len(n.Endpoints) == 0 && !n.Predefined) }) {
			out = append(out, n)
		}
	}
	sortNatural(out, func(n network.Info) string { return n.Name })
	return out, nil
}

// ListVolumes lists volumes as `docker volume ls` and GET /volumes do, with
// Docker's filters (name, label, label!, driver, dangling), in natural
// order.
func (e *Engine) ListVolumes(ctx context.Context, f Filters) ([]*volume.Volume, error) {
	if err := f.Validate("name", "label", "label!", "driver", "dangling"); err != nil {
		return nil, err
	}
	dangling, err := f.Bool("dangling", false)
	if err != nil {
		return nil, err
	}
	vs, err := e.volumes()
	if err != nil {
		return nil, err
	}
	list, err := vs.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []*volume.Volume
	for _, v := range list {
		if f.Any("name", func(x string) bool { return strings.Contains(v.Name, x) }) &&
			f.Exact("driver", v.Driver) && f.Labels(v.Labels) &&
			(!f.Has("dangling") || dangling == (len(vs.Users(v)) == 0)) {
			out = append(out, v)
		}
	}
	sortNatural(out, func(v *volume.Volume) string { return v.Name })
	return out, nil
}

// sortNatural sorts by name as Docker's CLI does (fvbommel/sortorder's
// NaturalLess): runs of digits compare as numbers.
func sortNatural[T any](list []T, name func(T) string) {
	sort.SliceStable(list, func(i, j int) bool { return naturalLess(name(list[i]), name(list[j])) })
}

func naturalLess(a, b string) bool {
	isDigit := func(c byte) bool { return c >= '0' && c <= '9' }
	for a != "" && b != "" {
		if !isDigit(a[0]) || !isDigit(b[0]) {
			if a[0] != b[0] {
				return a[0] < b[0]
			}
			a, b = a[1:], b[1:]
			continue
		}
		i, j := 0, 0
		for i < len(a) && isDigit(a[i]) {
			i++
		}
		for j < len(b) && isDigit(b[j]) {
			j++
		}
		na, nb := strings.TrimLeft(a[:i], "0"), strings.TrimLeft(b[:j], "0")
		if len(na) != len(nb) {
			return len(na) < len(nb)
		}
		if na != nb {
			return na < nb
		}
		if i != j { // the same number: fewer leading zeros first
			return i < j
		}
		a, b = a[i:], b[j:]
	}
	return len(a) < len(b)
}

// ListImages lists images as `docker images` and GET /images/json do,
// with Docker's filters (dangling, label, label!, reference). Under a
// reference filter an image keeps only the tags and digests it matches, and
// is left out when none does (moby's daemon/images/image_list.go).
func (e *Engine) ListImages(ctx context.Context, f Filters) ([]*Image, error) {
	if err := f.Validate("dangling", "label", "label!", "reference"); err != nil {
		return nil, err
	}
	dangling, err := f.Bool("dangling", false)
	if err != nil {
		return nil, err
	}
	imgs, err := e.images.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []*Image
	for _, img := range imgs {
		var labels map[string]string
		if img.Config != nil {
			labels = img.Config.Config.Labels
		}
		if f.Has("dangling") && dangling != (len(img.RepoTags) == 0) || !f.Labels(labels) {
			continue
		}
		if f.Has("reference") {
			matching := func(refs []string) []string {
				var keep []string
				for _, r := range refs {
					if f.Any("reference", func(p string) bool { return familiarMatch(p, r) }) {
						keep = append(keep, r)
					}
				}
				return keep
			}
			narrowed := *img
			narrowed.RepoTags, narrowed.RepoDigests = matching(img.RepoTags), matching(img.RepoDigests)
			if len(narrowed.RepoTags) == 0 && len(narrowed.RepoDigests) == 0 {
				continue
			}
			img = &narrowed
		}
		out = append(out, img)
	}
	return out, nil
}

// familiarMatch is distribution/reference's FamiliarMatch on a familiar
// tag or digest reference ("busybox:latest", "other/box@sha256:..."): the
// pattern (path.Match's) matches the whole reference or its name alone.
func familiarMatch(pattern, ref string) bool {
	if ok, _ := path.Match(pattern, ref); ok {
		return true
	}
	name := ref
	if i := strings.Index(name, "@"); i >= 0 {
		name = name[:i]
	} else if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		name = name[:i]
	}
	ok, _ := path.Match(pattern, name)
	return ok
}
