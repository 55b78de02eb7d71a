package checker

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
	"gopkg.in/yaml.v3"
)

var containerStates = []string{"created", "running", "paused", "restarting", "exited", "dead"}
var restartPolicies = []string{"no", "always", "unless-stopped", "on-failure"}
var healthStates = []string{"starting", "healthy", "unhealthy"}

// composeName is the shape of the names Docker Compose gives containers,
// <project>-<service>-<number> (shipyard-db-1): the hint for a missing one
// names docker compose up as well as docker run.
var composeName = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*-[a-zA-Z0-9._-]+-[0-9]+$`)
})

// Labels Docker Compose puts on what it makes (docker/compose's
// pkg/api/labels.go).
const (
	composeProject = "com.docker.compose.project"
	composeService = "com.docker.compose.service"
	composeNumber  = "com.docker.compose.container-number"
	composeVolume  = "com.docker.compose.volume"
)

// composeSibling finds, for a missing container named as Compose names
// them (shipyard-db-1), the container Compose made for the same service
// and number in another project (proj-db-1, of a compose.yaml without
// name: shipyard in a folder proj): its name, its project, and the
// project the check expects.
func composeSibling(ctx context.Context, r *run) (name, project, want string) {
	all, err := r.env.Engine.Containers(ctx)
	if err != nil {
		return "", "", ""
	}
	for _, c := range all {
		p, svc, n := c.Labels[composeProject], c.Labels[composeService], c.Labels[composeNumber]
		if p == "" || svc == "" || n == "" {
			continue
		}
		if want, ok := strings.CutSuffix(r.check.Subject, "-"+svc+"-"+n); ok && want != "" && want != p {
			return c.Name, p, want
		}
	}
	return "", "", ""
}

type containerSpec struct {
	Absent       *bool   `yaml:"absent"`
	Running      *bool   `yaml:"running"`
	Status       string  `yaml:"status"`
	ExitCode     *int    `yaml:"exit_code"`
	OOMKilled    *bool   `yaml:"oom_killed"`
	Health       string  `yaml:"health"`
	Image        string  `yaml:"image"`
	Env          List    `yaml:"env"`
	Port         string  `yaml:"port"`
	Ports        List    `yaml:"ports"`
	Mount        *mounts `yaml:"mount"`
	Mounts       *mounts `yaml:"mounts"`
	Network      string  `yaml:"network"`
	Networks     List    `yaml:"networks"`
	Aliases      List    `yaml:"aliases"`
	Restart      string  `yaml:"restart"`
	RestartCount *int    `yaml:"restart_count"`
	User         *string `yaml:"user"`
	Command      *List   `yaml:"command"`
	// CreatedInStep requires the container to carry the current step's
	// dockyard.step label: made in this step, not left by an earlier one.
	CreatedInStep *bool `yaml:"created_in_step"`

	ports []portSpec
}

func (s *containerSpec) validate(d *decoder, c *Check) {
	if s.Status != "" && !slices.Contains(containerStates, s.Status) {
		d.invalid(c, "status", "status %q is not one of %s", s.Status, listOrNone(containerStates))
	}
	if s.Health != "" && !slices.Contains(healthStates, s.Health) {
		d.invalid(c, "health", "health %q is not one of %s", s.Health, listOrNone(healthStates))
	}
	if name, max, ok := strings.Cut(s.Restart, ":"); s.Restart != "" && !slices.Contains(restartPolicies, name) {
		d.invalid(c, "restart", "restart %q is not one of %s", s.Restart, listOrNone(restartPolicies))
	} else if n, err := strconv.Atoi(max); ok && (name != "on-failure" || err != nil || n < 1) {
		d.invalid(c, "restart", "restart %q: only on-failure takes a maximum retry count, a number from 1 (on-failure:3)", s.Restart)
	}
	for field, list := range map[string][]string{"port": nonEmpty(s.Port), "ports": s.Ports} {
		for _, p := range list {
			ps, err := parsePort(p)
			if err != nil {
				d.invalid(c, field, "%s", err)
				continue
			}
			s.ports = append(s.ports, ps)
		}
	}
	slices.SortFunc(s.ports, func(a, b portSpec) int { return a.ContainerPort - b.ContainerPort })
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func (s *containerSpec) evaluate(ctx context.Context, r *run) {
	c, err := r.env.Engine.Container(ctx, r.check.Subject)
	absent := s.Absent != nil && *s.Absent
	switch {
	case missing(err):
		if !absent {
			key := "container.missing"
			if composeName().MatchString(r.check.Subject) {
				key = "container.missing_compose"
				if other, project, want := composeSibling(ctx, r); other != "" {
					r.fail("container.missing_compose_project", map[string]any{"found": other, "project": project, "want": want})
					return
				}
			}
			r.fail(key, nil)
		}
		return
	case err != nil:
		r.engineError(ctx, err)
		return
	case absent:
		r.fail("container.present", map[string]any{"found": c.Status, "compose": c.Labels[composeProject] != ""})
		return
	}
	checkCreatedInStep(r, "container", s.CreatedInStep, c.Labels)
	// The container's state is told once: a wrong state fails running,
	// status and exit_code alike, and one line says what it is.
	stateTold := false
	if s.Running != nil && *s.Running != c.Running() {
		stateTold = true
		if *s.Running {
			notRunning(r, c)
		} else {
			r.fail("container.running", map[string]any{"found": c.Status})
		}
	}
	// A container that should have exited but is restarting or just
	// started (a crash loop under a restart policy) is in motion.
	if (s.Status == "exited" || s.ExitCode != nil) && c.Status != "exited" && starting(c) {
		r.waitFor("wait.exit", map[string]any{"container": c.Name})
	}
	if s.Status != "" && s.Status != c.Status && !stateTold {
		stateTold = true
		if c.Status == "created" {
			// Never started (docker create, or a run whose command
			// could not start): say so and name docker start.
			notRunning(r, c)
		} else {
			r.fail("container.status", map[string]any{"want": s.Status, "found": c.Status})
		}
	}
	if s.ExitCode != nil {
		switch {
		case c.Status != "exited" && stateTold:
		case c.Status == "created":
			stateTold = true
			notRunning(r, c)
		case c.Status != "exited":
			r.fail("container.not_exited", map[string]any{"want": *s.ExitCode, "found": c.Status})
		case c.ExitCode != *s.ExitCode:
			data := map[string]any{"want": *s.ExitCode, "found": c.ExitCode, "image": c.Image}
			if sig := c.ExitCode - 128; sig > 0 && sig < 65 {
				// 128+n: the process was ended by signal n (137 is
				// docker kill's SIGKILL, 143 a SIGTERM nobody caught).
				data["signum"], data["signal"] = sig, unix.SignalName(syscall.Signal(sig))
			}
			key := "container.exit_code"
			if rebuilt(ctx, r, c) {
				// Run again, it would run the fixed image: a student
				// who rebuilt after the failure must hear that.
				key = "container.exit_code_rebuilt"
			}
			r.fail(key, data)
		}
	}
	// A container that never started was not OOM killed either: the
	// line about its start says all.
	if s.OOMKilled != nil && *s.OOMKilled != c.OOMKilled && !(stateTold && c.Status == "created") {
		key := "container.oom_killed"
		if !*s.OOMKilled {
			key = "container.not_oom_killed"
		}
		r.fail(key, map[string]any{"code": c.ExitCode, "found": c.Status})
	}
	if s.Health != "" && s.Health != c.Health {
		if c.Health == "" {
			r.fail("container.no_health", map[string]any{"want": s.Health, "found": c.Status})
		} else {
			r.fail("container.health", map[string]any{"want": s.Health, "found": c.Health})
		}
	}
	if s.Image != "" && !sameRef(s.Image, c.Image) {
		img, err := r.env.Engine.Image(ctx, s.Image)
		if err != nil || img.ID != c.ImageID {
			r.fail("container.image", map[string]any{"want": s.Image, "found": c.Image})
		}
	}
	for _, e := range s.Env {
		if ok, found := envEntry(c.Env, e); !ok && found == "" {
			r.fail("container.env_missing", map[string]any{"want": e})
		} else if !ok {
			r.fail("container.env", map[string]any{"want": e, "found": found})
		}
	}
	for _, p := range s.ports {
		checkPort(r, c, p)
	}
	// A stopped container publishes nothing: when its -p was right, the
	// cause to name is that it does not run.
	if len(s.ports) > 0 && !c.Running() && (s.Running == nil || !*s.Running) {
		notRunning(r, c)
	}
	for _, ms := range []*mounts{s.Mount, s.Mounts} {
		if ms != nil {
			for _, m := range *ms {
				checkMount(r, c, m)
			}
		}
	}
	var attached []string
	for _, e := range c.Networks {
		attached = append(attached, e.Network)
	}
	for _, n := range append(nonEmpty(s.Network), s.Networks...) {
		if !slices.Contains(attached, n) {
			r.fail("container.network", map[string]any{"want": n, "found": listOrNone(attached)})
		}
	}
	for _, a := range s.Aliases {
		var have []string
		for _, e := range c.Networks {
			if s.Network == "" || e.Network == s.Network {
				have = append(have, e.Aliases...)
			}
		}
		if !slices.Contains(have, a) {
			r.fail("container.alias", map[string]any{"want": a, "network": s.Network, "found": listOrNone(have)})
		}
	}
	if s.Restart != "" {
		found := c.Restart
		if found == "" {
			found = "no"
		}
		// on-failure:3 asks for the maximum too; on-failure alone, any.
		if strings.Contains(s.Restart, ":") && c.RestartMax > 0 {
			found += ":" + strconv.Itoa(c.RestartMax)
		}
		if found != s.Restart {
			r.fail("container.restart", map[string]any{"want": s.Restart, "found": found})
		}
	}
	if s.RestartCount != nil && c.RestartCount < *s.RestartCount {
		if c.Running() || c.Status == "restarting" {
			r.waitFor("wait.restart", map[string]any{"container": c.Name})
		}
		r.fail("container.restart_count", map[string]any{"want": *s.RestartCount, "found": c.RestartCount})
	}
	if s.User != nil && *s.User != c.User {
		r.fail("container.user", map[string]any{"want": *s.User, "found": orNone(c.User)})
	}
	if s.Command != nil && !equalList(*s.Command, c.Command) {
		r.fail(shellFormKey("container.command", *s.Command, c.Command), map[string]any{"want": showList(*s.Command), "found": showList(c.Command)})
	}
}

// mounts is one mount or a list of them: a string is a destination, a
// mapping has type, source, destination and read_only.
type mounts []mountSpec

var mountTypes = []string{"bind", "volume", "tmpfs"}

func (ms *mounts) decodeNode(d *decoder, n *yaml.Node) error {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	for _, it := range items {
		m, err := decodeMount(d, it)
		if err != nil {
			return err
		}
		*ms = append(*ms, m)
	}
	return nil
}

func (ms *mounts) describe() string {
	return "a destination path or {type, source, destination, read_only} (or a list of them)"
}

func decodeMount(d *decoder, n *yaml.Node) (mountSpec, error) {
	var m mountSpec
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" || n.Value == "" {
			return m, wrongType(n)
		}
		m.Destination = n.Value
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			var err error
			switch k.Value {
			case "type":
				err = decodeValue(d, v, refOf(&m.Type))
				if err == nil && !slices.Contains(mountTypes, m.Type) {
					err = errWrongType(fmt.Sprintf("type %q (want bind, volume or tmpfs)", m.Type))
				}
			case "source":
				err = decodeValue(d, v, refOf(&m.Source))
			case "destination", "target":
				err = decodeValue(d, v, refOf(&m.Destination))
			case "read_only":
				err = decodeValue(d, v, refOf(&m.ReadOnly))
			default:
				err = errWrongType(fmt.Sprintf("unknown mount field %q (known: type, source, destination, read_only)", k.Value))
			}
			if err != nil {
				return m, err
			}
		}
		if m.Destination == "" {
			return m, errWrongType("a mount without destination")
		}
	default:
		return m, wrongType(n)
	}
	if !path.IsAbs(m.Destination) {
		return m, errWrongType(fmt.Sprintf("destination %q, which is not an absolute path", m.Destination))
	}
	return m, nil
}

// rebuilt reports whether c's image reference now names another image than
// the one c was created from: the image was built again since.
func rebuilt(ctx context.Context, r *run, c *Container) bool {
	if c.ImageID == "" || c.Image == "" || strings.HasPrefix(c.Image, "sha256:") {
		return false
	}
	img, err := r.env.Engine.Image(ctx, c.Image)
	return err == nil && img.ID != "" && img.ID != c.ImageID
}
