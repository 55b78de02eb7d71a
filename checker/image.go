package checker

import (
	"context"
	"slices"
	"strings"

	"github.com/dockyard-lab/dockyard/sandbox/imageref"
	search "github.com/moby/buildkit/util/suggest"
)

type imageSpec struct {
	Absent     *bool             `yaml:"absent"`
	Label      map[string]string `yaml:"label" alias:"labels"`
	Env        List              `yaml:"env"`
	Exposes    List              `yaml:"exposes"`
	Entrypoint *List             `yaml:"entrypoint"`
	Cmd        *List             `yaml:"cmd"`
	Workdir    *string           `yaml:"workdir"`
	User       *string           `yaml:"user"`
	Base       string            `yaml:"base"`
	Layers     *int              `yaml:"layers"`
	// CreatedInStep: see containerSpec; for images, built in this step
	// (a tag of an older image keeps the older image's labels).
	CreatedInStep *bool `yaml:"created_in_step"`
	// Pulled: the image holds a digest from the reference's repository,
	// as a docker pull (or push) of that name leaves and a docker tag
	// does not.
	Pulled *bool `yaml:"pulled"`
}

func (s *imageSpec) evaluate(ctx context.Context, r *run) {
	ref := r.check.Subject
	img, err := r.env.Engine.Image(ctx, ref)
	absent := s.Absent != nil && *s.Absent
	switch {
	case missing(err):
		if !absent {
			imageMissing(ctx, r, ref)
		}
		return
	case err != nil:
		r.engineError(ctx, err)
		return
	case absent:
		r.fail("image.present", map[string]any{"found": shortID(img.ID)})
		return
	}
	checkCreatedInStep(r, "image", s.CreatedInStep, img.Labels)
	if s.Pulled != nil && pulledFrom(ref, img.Digests) != *s.Pulled {
		key := "image.not_pulled"
		if !*s.Pulled {
			key = "image.pulled"
		}
		r.fail(key, map[string]any{"repo": familiarRepo(ref)})
	}
	checkLabels(r, "image.label", img.Labels, s.Label)
	for _, e := range s.Env {
		if ok, found := envEntry(img.Env, e); !ok && found == "" {
			r.fail("image.env_missing", map[string]any{"want": e})
		} else if !ok {
			r.fail("image.env", map[string]any{"want": e, "found": found})
		}
	}
	for _, p := range s.Exposes {
		if !slices.Contains(img.Exposed, normalPort(p)) {
			r.fail("image.exposes", map[string]any{"want": normalPort(p), "found": listOrNone(img.Exposed)})
		}
	}
	if s.Entrypoint != nil && !equalList(*s.Entrypoint, img.Entrypoint) {
		r.fail(shellFormKey("image.entrypoint", *s.Entrypoint, img.Entrypoint), map[string]any{"want": showList(*s.Entrypoint), "found": showList(img.Entrypoint)})
	}
	if s.Cmd != nil && !equalList(*s.Cmd, img.Cmd) {
		r.fail(shellFormKey("image.cmd", *s.Cmd, img.Cmd), map[string]any{"want": showList(*s.Cmd), "found": showList(img.Cmd)})
	}
	if s.Workdir != nil && *s.Workdir != img.WorkingDir {
		r.fail("image.workdir", map[string]any{"want": *s.Workdir, "found": orNone(img.WorkingDir)})
	}
	if s.User != nil && *s.User != img.User {
		r.fail("image.user", map[string]any{"want": *s.User, "found": orNone(img.User)})
	}
	if s.Layers != nil && *s.Layers != len(img.Layers) {
		r.fail("image.layers", map[string]any{"want": *s.Layers, "found": len(img.Layers)})
	}
	if s.Base != "" {
		base, err := r.env.Engine.Image(ctx, s.Base)
		switch {
		case missing(err):
			r.fail("image.base_missing", map[string]any{"base": s.Base})
		case err != nil:
			r.engineError(ctx, err)
		case len(base.Layers) > len(img.Layers) || !slices.Equal(base.Layers, img.Layers[:len(base.Layers)]):
			r.fail("image.base", map[string]any{"want": s.Base})
		}
	}
}

// pulledFrom reports whether digests hold one in ref's repository.
func pulledFrom(ref string, digests []string) bool {
	want, err := imageref.ParseNormalized(ref)
	if err != nil {
		return false
	}
	for _, d := range digests {
		if got, err := imageref.ParseNormalized(d); err == nil && got.Name() == want.Name() {
			return true
		}
	}
	return false
}

// familiarRepo is ref's repository as docker prints it.
func familiarRepo(ref string) string {
	if r, err := imageref.ParseNormalized(ref); err == nil {
		return r.FamiliarName()
	}
	return ref
}

func orNone(s string) string {
	if s == "" {
		return noneValue
	}
	return s
}

func shortID(id string) string {
	if len(id) > 7 && id[:7] == "sha256:" {
		id = id[7:]
	}
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// imageMissing fails an image check whose image is not there. When the
// repository is there under other tags (docker tag busybox my-busybox,
// without :v1), those are named: the tag is what to fix.
func imageMissing(ctx context.Context, r *run, ref string) {
	want, err := imageref.ParseNormalized(ref)
	if err != nil {
		r.fail("image.missing", nil)
		return
	}
	names, _ := r.env.Engine.Images(ctx)
	var tags []string
	for _, n := range names {
		got, err := imageref.ParseNormalized(n)
		if err == nil && got.Name() == want.Name() && got.Tag() != "" {
			tags = append(tags, got.Tag())
		}
	}
	if len(tags) == 0 {
		if near := nearImage(want, names); near != "" {
			r.fail("image.missing_near", map[string]any{"near": near})
			return
		}
	}
	if len(tags) == 0 || want.Tag() == "" {
		r.fail(missingKey(ctx, r), nil)
		return
	}
	slices.Sort(tags)
	r.fail("image.missing_tag", map[string]any{"repo": want.FamiliarName(), "found": strings.Join(slices.Compact(tags), ", ")})
}

// nearImage returns the image among names whose repository is one or two
// letters away from want's, with want's tag when it has that tag
// (localhost:5000/my-busybx:v1 for localhost:5000/my-busybox:v1): most
// often the student's typo. "" when there is none.
func nearImage(want imageref.Reference, names []string) string {
	byRepo := map[string][]string{}
	var repos []string
	for _, n := range names {
		got, err := imageref.ParseNormalized(n)
		if err != nil || got.Tag() == "" || got.Name() == want.Name() {
			continue
		}
		if _, ok := byRepo[got.Name()]; !ok {
			repos = append(repos, got.Name())
		}
		byRepo[got.Name()] = append(byRepo[got.Name()], got.FamiliarName()+":"+got.Tag())
	}
	best, ok := search.Search(want.Name(), repos, true)
	if !ok {
		return ""
	}
	refs := byRepo[best]
	slices.Sort(refs)
	for _, ref := range refs {
		if strings.HasSuffix(ref, ":"+want.Tag()) {
			return ref
		}
	}
	return refs[0]
}

// missingKey is image.missing, or image.missing_untagged when the last
// build finished without a name: the student most likely left out -t (a
// docker build . makes an image only its id names).
func missingKey(ctx context.Context, r *run) string {
	if builds, ok := r.env.Engine.(Builds); ok {
		if b, err := builds.LastBuild(ctx); err == nil && len(b.Tags) == 0 {
			return "image.missing_untagged"
		}
	}
	return "image.missing"
}
