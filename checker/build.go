package checker

import (
	"context"
	"errors"
	"strings"
)

// buildSpec checks the last build that finished; its subject names the
// record (only "last" exists). An instruction in cached or rebuilt matches
// the steps whose instruction starts with it, case-insensitively: "RUN",
// "COPY app.sh".
type buildSpec struct {
	Tag     string `yaml:"tag"`
	Cached  List   `yaml:"cached"`
	Rebuilt List   `yaml:"rebuilt"`
}

func (s *buildSpec) validate(d *decoder, c *Check) {
	if c.Subject != "last" {
		d.invalid(c, "build", "%q is not a record of builds: the only one is \"last\", e.g. \"build: last\"", c.Subject)
	}
}

func (s *buildSpec) evaluate(ctx context.Context, r *run) {
	builds, ok := r.env.Engine.(Builds)
	if !ok {
		r.errorf("build.unavailable", nil)
		return
	}
	b, err := builds.LastBuild(ctx)
	switch {
	case errors.Is(err, ErrUnrecorded):
		r.errorf("build.unavailable", nil)
		return
	case missing(err):
		r.fail("build.none", nil)
		return
	case err != nil:
		r.engineError(ctx, err)
		return
	}
	var lines []string
	for _, st := range b.Steps {
		mark := "ran   "
		if st.Cached {
			mark = "CACHED"
		}
		lines = append(lines, mark+" "+st.Instruction)
	}
	r.output = strings.Join(lines, "\n")
	if s.Tag != "" && !tagged(b.Tags, s.Tag) {
		// The other fields are about another build.
		r.fail("build.tag", map[string]any{"want": s.Tag, "found": listOrNone(b.Tags)})
		return
	}
	for _, want := range s.Cached {
		steps := stepsStarting(b.Steps, want)
		if len(steps) == 0 {
			r.fail("build.no_step", map[string]any{"want": want})
		}
		for _, st := range steps {
			if !st.Cached {
				r.fail("build.not_cached", map[string]any{"step": st.Instruction})
			}
		}
	}
	for _, want := range s.Rebuilt {
		steps := stepsStarting(b.Steps, want)
		if len(steps) == 0 {
			r.fail("build.no_step", map[string]any{"want": want})
			continue
		}
		ran := false
		for _, st := range steps {
			ran = ran || !st.Cached
		}
		if !ran {
			r.fail("build.all_cached", map[string]any{"want": want})
		}
	}
}

func tagged(tags []string, want string) bool {
	for _, t := range tags {
		if sameRef(t, want) {
			return true
		}
	}
	return false
}

// stepsStarting returns the steps whose instruction starts with prefix, as
// whole words: "RUN" matches "RUN make", not "RUNNER".
func stepsStarting(steps []BuildStep, prefix string) []BuildStep {
	var out []BuildStep
	p := strings.ToLower(strings.TrimSpace(prefix))
	for _, st := range steps {
		in := strings.ToLower(st.Instruction)
		if in == p || strings.HasPrefix(in, p+" ") {
			out = append(out, st)
		}
	}
	return out
}
