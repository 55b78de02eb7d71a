package checker

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

type containersSpec struct {
	Image   string            `yaml:"image"`
	Status  string            `yaml:"status"`
	Name    *pattern          `yaml:"name"`
	Label   map[string]string `yaml:"label" alias:"labels"`
	Network string            `yaml:"network"`
	// CreatedInStep keeps the containers the student made in the step
	// being checked (true) or the others (false); see containerSpec.
	CreatedInStep *bool `yaml:"created_in_step"`
	Count         *int  `yaml:"count"`
	Min           *int  `yaml:"min"`
	Max           *int  `yaml:"max"`
}

func (s *containersSpec) validate(d *decoder, c *Check) {
	if s.Status != "" && !slices.Contains(containerStates, s.Status) {
		d.invalid(c, "status", "status %q is not one of %s", s.Status, listOrNone(containerStates))
	}
	if s.Count != nil && (s.Min != nil || s.Max != nil) {
		d.invalid(c, "count", "count cannot be combined with min or max")
	}
	if s.Min != nil && s.Max != nil && *s.Min > *s.Max {
		d.invalid(c, "min", "min %d is more than max %d", *s.Min, *s.Max)
	}
}

func (s *containersSpec) matches(c *Container, step string) bool {
	return len(s.differences(c, step)) == 0
}

// differences lists the filters c does not pass, each written as the
// filter is in describeFilter but with what c has: "status=exited",
// "label=com.docker.compose.depends_on=db:service_started:false".
func (s *containersSpec) differences(c *Container, step string) []string {
	var d []string
	if s.Image != "" && !sameRef(s.Image, c.Image) {
		d = append(d, "image="+c.Image)
	}
	if s.Status != "" && s.Status != c.Status {
		d = append(d, "status="+c.Status)
	}
	if s.Name != nil && !s.Name.re.MatchString(c.Name) {
		d = append(d, "name="+c.Name)
	}
	for _, k := range sortedKeys(s.Label) {
		if v, ok := c.Labels[k]; !ok {
			d = append(d, "label="+k+`=""`)
		} else if v != s.Label[k] {
			d = append(d, "label="+k+"="+v)
		}
	}
	if s.Network != "" && !slices.ContainsFunc(c.Networks, func(e Endpoint) bool { return e.Network == s.Network }) {
		var on []string
		for _, e := range c.Networks {
			on = append(on, e.Network)
		}
		if len(on) == 0 {
			on = []string{`""`}
		}
		d = append(d, "network="+strings.Join(on, ","))
	}
	if s.CreatedInStep != nil && *s.CreatedInStep != madeInStep(step, c.Labels) {
		d = append(d, fmt.Sprintf("created_in_step=%t", !*s.CreatedInStep))
	}
	return d
}

// filters is how many conditions the spec puts on a container.
func (s *containersSpec) filters() int {
	n := len(s.Label)
	for _, set := range []bool{s.Image != "", s.Status != "", s.Name != nil, s.Network != "", s.CreatedInStep != nil} {
		if set {
			n++
		}
	}
	return n
}

// closest is the container, first by name, that misses the filters by one
// value only, and that value, when too few match: "shipyard-web-1" and
// "label=com.docker.compose.depends_on=db:service_started:false" tell the
// student which of several filters to look at. A container that misses
// two or more is most likely another one (a container of an earlier
// lesson): "" then. One whose name the name filter takes is closer than
// one that misses the name only: worker-1, stopped by mistake, is what a
// check for two running ^worker-[123]$ should name, not broken-web, which
// runs but is another container; a misspelt name is named when no
// container of the right name misses by one.
func (s *containersSpec) closest(all []Container, step string) (name, differs string) {
	if s.filters() < 2 {
		return "", ""
	}
	nameOnly := false
	for i := range all {
		d := s.differences(&all[i], step)
		if len(d) != 1 {
			continue
		}
		byName := s.Name != nil && !s.Name.re.MatchString(all[i].Name)
		if name == "" || (nameOnly && !byName) || (nameOnly == byName && all[i].Name < name) {
			name, differs, nameOnly = all[i].Name, d[0], byName
		}
	}
	return name, differs
}

func (s *containersSpec) evaluate(ctx context.Context, r *run) {
	all, err := r.env.Engine.Containers(ctx)
	if err != nil {
		r.engineError(ctx, err)
		return
	}
	var names []string
	for i := range all {
		if s.matches(&all[i], r.env.Step) {
			names = append(names, all[i].Name)
		}
	}
	slices.Sort(names)
	n := len(names)
	data := map[string]any{"found": n, "names": listOrNone(names), "filter": s.describeFilter(), "closest": "", "differs": ""}
	tooFew := func(want int) {
		data["want"] = want
		data["closest"], data["differs"] = s.closest(all, r.env.Step)
	}
	switch {
	case s.Count != nil && n != *s.Count:
		data["want"] = *s.Count
		if n < *s.Count {
			tooFew(*s.Count)
		}
		r.fail("containers.count", data)
	case s.Min != nil && n < *s.Min:
		tooFew(*s.Min)
		r.fail("containers.min", data)
	case s.Max != nil && n > *s.Max:
		data["want"] = *s.Max
		r.fail("containers.max", data)
	case s.Count == nil && s.Min == nil && s.Max == nil && n == 0:
		tooFew(1)
		r.fail("containers.min", data)
	}
}

func (s *containersSpec) describeFilter() string {
	var f []string
	if s.Image != "" {
		f = append(f, "image="+s.Image)
	}
	if s.Status != "" {
		f = append(f, "status="+s.Status)
	}
	if s.Name != nil {
		f = append(f, "name~"+s.Name.src)
	}
	for _, k := range sortedKeys(s.Label) {
		f = append(f, "label="+k+"="+s.Label[k])
	}
	if s.Network != "" {
		f = append(f, "network="+s.Network)
	}
	if s.CreatedInStep != nil {
		f = append(f, fmt.Sprintf("created_in_step=%t", *s.CreatedInStep))
	}
	if len(f) == 0 {
		return "all"
	}
	return strings.Join(f, " ")
}

type networkSpec struct {
	Absent     *bool  `yaml:"absent"`
	Driver     string `yaml:"driver"`
	Subnet     string `yaml:"subnet"`
	Gateway    string `yaml:"gateway"`
	Internal   *bool  `yaml:"internal"`
	Containers List   `yaml:"containers"`
	// CreatedInStep: see containerSpec.
	CreatedInStep *bool `yaml:"created_in_step"`
}

func (s *networkSpec) evaluate(ctx context.Context, r *run) {
	n, err := r.env.Engine.Network(ctx, r.check.Subject)
	absent := s.Absent != nil && *s.Absent
	switch {
	case missing(err):
		if !absent {
			r.fail("network.missing", nil)
		}
		return
	case err != nil:
		r.engineError(ctx, err)
		return
	case absent:
		r.fail("network.present", map[string]any{"compose": n.Labels[composeProject] != ""})
		return
	}
	checkCreatedInStep(r, "network", s.CreatedInStep, n.Labels)
	if s.Driver != "" && s.Driver != n.Driver {
		r.fail("network.driver", map[string]any{"want": s.Driver, "found": n.Driver})
	}
	if s.Subnet != "" && !slices.Contains(n.Subnets, s.Subnet) {
		r.fail("network.subnet", map[string]any{"want": s.Subnet, "found": listOrNone(n.Subnets)})
	}
	if s.Gateway != "" && !slices.Contains(n.Gateways, s.Gateway) {
		r.fail("network.gateway", map[string]any{"want": s.Gateway, "found": listOrNone(n.Gateways)})
	}
	if s.Internal != nil && *s.Internal != n.Internal {
		r.fail("network.internal", map[string]any{"want": *s.Internal, "found": n.Internal})
	}
	if want, absent := notAmong(ctx, r, s.Containers, n.Containers); want != "" {
		r.fail("network.container", map[string]any{"want": want, "absent": absent, "found": listOrNone(n.Containers), "nobody": len(n.Containers) == 0})
	}
}

// notAmong lists the containers of want that are not in have, in one
// finding rather than one each ("lonely1, lonely2"), and those of them
// that do not exist at all: the student has yet to run them, not to
// attach them.
func notAmong(ctx context.Context, r *run, want, have []string) (missingList, absent string) {
	var out, gone []string
	for _, c := range want {
		if slices.Contains(have, c) {
			continue
		}
		out = append(out, c)
		if _, err := r.env.Engine.Container(ctx, c); missing(err) {
			gone = append(gone, c)
		}
	}
	return strings.Join(out, ", "), strings.Join(gone, ", ")
}

// composeVolumeSibling finds, for a missing volume named as Compose names
// them (shipyard_pgdata), the volume Compose made for the same
// compose.yaml volume in another project (proj_pgdata): its name, its
// project, and the project the check expects.
func composeVolumeSibling(ctx context.Context, r *run) (name, project, want string) {
	names, err := r.env.Engine.Volumes(ctx)
	if err != nil {
		return "", "", ""
	}
	for _, n := range names {
		v, err := r.env.Engine.Volume(ctx, n)
		if err != nil {
			continue
		}
		p, vol := v.Labels[composeProject], v.Labels[composeVolume]
		if p == "" || vol == "" {
			continue
		}
		if want, ok := strings.CutSuffix(r.check.Subject, "_"+vol); ok && want != "" && want != p {
			return v.Name, p, want
		}
	}
	return "", "", ""
}

type volumeSpec struct {
	Absent     *bool             `yaml:"absent"`
	Driver     string            `yaml:"driver"`
	Label      map[string]string `yaml:"label" alias:"labels"`
	Containers List              `yaml:"containers"`
	File       *volumeFile       `yaml:"file"`
	// CreatedInStep: see containerSpec.
	CreatedInStep *bool `yaml:"created_in_step"`
}

func (s *volumeSpec) evaluate(ctx context.Context, r *run) {
	v, err := r.env.Engine.Volume(ctx, r.check.Subject)
	absent := s.Absent != nil && *s.Absent
	switch {
	case missing(err):
		if !absent {
			if other, project, want := composeVolumeSibling(ctx, r); other != "" {
				r.fail("volume.missing_compose_project", map[string]any{"found": other, "project": project, "want": want})
				return
			}
			r.fail("volume.missing", nil)
		}
		return
	case err != nil:
		r.engineError(ctx, err)
		return
	case absent:
		// docker volume rm refuses a volume any container uses, even a
		// stopped one: name them, they are what to remove first.
		if users := volumeUsers(ctx, r, v.Name); len(users) > 0 {
			r.fail("volume.present_used", map[string]any{"found": strings.Join(users, ", "), "compose": v.Labels[composeProject] != ""})
			return
		}
		r.fail("volume.present", map[string]any{"compose": v.Labels[composeProject] != ""})
		return
	}
	checkCreatedInStep(r, "volume", s.CreatedInStep, v.Labels)
	if s.Driver != "" && s.Driver != v.Driver {
		r.fail("volume.driver", map[string]any{"want": s.Driver, "found": v.Driver})
	}
	checkLabels(r, "volume.label", v.Labels, s.Label)
	if len(s.Containers) > 0 {
		all, err := r.env.Engine.Containers(ctx)
		if err != nil {
			r.engineError(ctx, err)
			return
		}
		users := mounting(all, v.Name)
		if want, absent := notAmong(ctx, r, s.Containers, users); want != "" {
			r.fail("volume.container", map[string]any{"want": want, "absent": absent, "found": listOrNone(users), "nobody": len(users) == 0})
		}
	}
	if f := s.File; f != nil {
		data, err := r.env.Engine.ReadVolumeFile(ctx, v.Name, f.Path)
		fileAbsent := f.Absent != nil && *f.Absent
		switch {
		case missing(err):
			if !fileAbsent {
				r.fail("volume.file_missing", map[string]any{"path": f.Path})
			}
		case err != nil:
			r.engineError(ctx, err)
		case fileAbsent:
			r.fail("volume.file_present", map[string]any{"path": f.Path})
		case f.Contains != nil && !strings.Contains(string(data), *f.Contains):
			r.output = string(data)
			r.fail("volume.file_contains", map[string]any{"path": f.Path, "want": *f.Contains})
		}
	}
}

// mounting names the containers of all that mount the volume name.
func mounting(all []Container, name string) []string {
	var users []string
	for _, c := range all {
		if slices.ContainsFunc(c.Mounts, func(m Mount) bool { return m.Type == "volume" && m.Source == name }) {
			users = append(users, c.Name)
		}
	}
	return users
}

// volumeUsers names the containers that mount the volume name, or none
// when the engine cannot list them.
func volumeUsers(ctx context.Context, r *run, name string) []string {
	all, err := r.env.Engine.Containers(ctx)
	if err != nil {
		return nil
	}
	users := mounting(all, name)
	slices.Sort(users)
	return users
}

// volumeFile is a file inside a volume: {path, contains, absent}.
type volumeFile struct {
	Path     string
	Contains *string
	Absent   *bool
}

func (f *volumeFile) decodeNode(d *decoder, n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return wrongType(n)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var err error
		switch k.Value {
		case "path":
			err = decodeValue(d, v, refOf(&f.Path))
		case "contains":
			err = decodeValue(d, v, refOf(&f.Contains))
		case "absent":
			err = decodeValue(d, v, refOf(&f.Absent))
		default:
			err = errWrongType(fmt.Sprintf("unknown file field %q (known: path, contains, absent)", k.Value))
		}
		if err != nil {
			return err
		}
	}
	if f.Path == "" {
		return errWrongType("a file without path")
	}
	if clean := path.Clean("/" + f.Path); strings.Contains(f.Path, "..") && clean != "/"+strings.TrimPrefix(f.Path, "/") {
		return errWrongType(fmt.Sprintf("path %q, which leaves the volume", f.Path))
	}
	return nil
}

func (f *volumeFile) describe() string { return "{path: .., contains: ..} (path inside the volume)" }
