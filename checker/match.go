package checker

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/dockyard-lab/dockyard/sandbox/imageref"
)

// sameRef reports whether two image references name the same image:
// "postgres" is "postgres:latest" is "docker.io/library/postgres:latest".
func sameRef(a, b string) bool {
	return normalRef(a) == normalRef(b)
}

func normalRef(s string) string {
	r, err := imageref.ParseNormalized(s)
	if err != nil {
		return s
	}
	return r.WithDefaultTag().String()
}

// envEntry finds want ("K=V", or "K" for any value) in env. It returns
// whether it matched and the value the key has, if any.
func envEntry(env []string, want string) (ok bool, found string) {
	key, wantValue, hasValue := strings.Cut(want, "=")
	for _, e := range env {
		k, v, _ := strings.Cut(e, "=")
		if k != key {
			continue
		}
		found = e
		if !hasValue || v == wantValue {
			return true, found
		}
	}
	return false, found
}

// portSpec is a published port as a check writes it:
// [host-ip:]host-port->container-port[/proto] or container-port[/proto].
type portSpec struct {
	HostIP        string
	HostPort      int
	ContainerPort int
	Proto         string
}

func parsePort(s string) (portSpec, error) {
	var p portSpec
	inside := s
	if host, in, ok := strings.Cut(s, "->"); ok {
		inside = in
		if i := strings.LastIndex(host, ":"); i >= 0 {
			p.HostIP = strings.Trim(host[:i], "[]")
			host = host[i+1:]
		}
		n, err := strconv.Atoi(host)
		if err != nil || n < 1 || n > 65535 {
			return p, fmt.Errorf("port %q: the host port %q is not a port number; write it like 5433->5432/tcp", s, host)
		}
		p.HostPort = n
	}
	num, proto, _ := strings.Cut(inside, "/")
	if proto == "" {
		proto = "tcp"
	}
	if proto != "tcp" && proto != "udp" && proto != "sctp" {
		return p, fmt.Errorf("port %q: protocol %q is not tcp, udp or sctp", s, proto)
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || n > 65535 {
		return p, fmt.Errorf("port %q: the container port %q is not a port number; write it like 5433->5432/tcp", s, num)
	}
	p.ContainerPort, p.Proto = n, proto
	return p, nil
}

func (p portSpec) container() string { return fmt.Sprintf("%d/%s", p.ContainerPort, p.Proto) }

func (p portSpec) host() string {
	if p.HostIP != "" {
		return fmt.Sprintf("%s:%d", p.HostIP, p.HostPort)
	}
	return strconv.Itoa(p.HostPort)
}

func anyAddr(ip string) bool { return ip == "" || ip == "0.0.0.0" || ip == "::" }

// checkPort records how the container's published ports differ from p.
func checkPort(r *run, c *Container, p portSpec) {
	var hosts []string
	published := c.Ports
	if !c.Running() && len(published) == 0 {
		published = c.Bindings
	}
	for _, b := range published {
		if b.ContainerPort != p.ContainerPort || b.Proto != p.Proto || b.HostPort == 0 {
			continue
		}
		if p.HostPort == 0 || (b.HostPort == p.HostPort && (p.HostIP == "" || p.HostIP == b.HostIP || anyAddr(b.HostIP) && anyAddr(p.HostIP))) {
			return
		}
		h := strconv.Itoa(b.HostPort)
		if !anyAddr(b.HostIP) {
			h = b.HostIP + ":" + h
		}
		hosts = append(hosts, h)
	}
	// A container Compose made got its ports from compose.yaml's ports:,
	// not from -p.
	compose := c.Labels[composeProject] != ""
	if len(hosts) == 0 {
		for _, b := range published {
			// -p 80:8087 for -p 8087:80: the same two numbers, swapped.
			if p.HostPort != 0 && b.HostPort == p.ContainerPort && b.ContainerPort == p.HostPort && b.Proto == p.Proto {
				r.fail("container.port_reversed", map[string]any{"host": b.HostPort, "inside": b.ContainerPort, "compose": compose})
				return
			}
		}
		want := anyPortValue
		if p.HostPort != 0 {
			want = p.host()
		}
		r.fail("container.port_missing", map[string]any{"port": p.container(), "want": want, "compose": compose})
		return
	}
	r.fail("container.port", map[string]any{"port": p.container(), "want": p.host(), "found": strings.Join(hosts, ", "), "compose": compose})
}

// mountSpec is a mount as a check writes it.
type mountSpec struct {
	Type        string
	Source      string
	Destination string
	ReadOnly    *bool
}

func checkMount(r *run, c *Container, m mountSpec) {
	dest := path.Clean(m.Destination)
	var found *Mount
	for i := range c.Mounts {
		if path.Clean(c.Mounts[i].Destination) == dest {
			found = &c.Mounts[i]
		}
	}
	if found == nil {
		var dests []string
		for _, f := range c.Mounts {
			dests = append(dests, f.Destination)
		}
		r.fail("container.mount_missing", map[string]any{"want": dest, "found": listOrNone(dests)})
		return
	}
	if (m.Type != "" || m.Source != "") && found.Type == "volume" && anonymousVolume().MatchString(found.Source) &&
		(m.Type != "volume" || m.Source != "") {
		// Docker made this volume for the image's VOLUME because -v did
		// not mount anything there: the cause is the missing -v.
		want := m.Source
		if want == "" {
			want = "<volume>"
		}
		r.fail("container.mount_anonymous", map[string]any{"destination": dest, "want": want})
		return
	}
	typeWrong := m.Type != "" && m.Type != found.Type
	if typeWrong {
		r.fail("container.mount_type", map[string]any{"destination": dest, "want": m.Type, "found": found.Type})
	}
	if m.Source != "" && !typeWrong && !sameSource(m.Source, found.Source) {
		// A container that Compose made got its mounts from compose.yaml's
		// volumes:, where a relative path is the project folder's.
		compose := c.Labels["com.docker.compose.project"] != ""
		r.fail("container.mount_source", map[string]any{"destination": dest, "want": m.Source, "found": found.Source, "compose": compose})
	}
	if m.ReadOnly != nil && *m.ReadOnly != found.ReadOnly {
		r.fail("container.mount_ro", map[string]any{"destination": dest, "want": roName(*m.ReadOnly), "found": roName(found.ReadOnly)})
	}
}

// anonymousVolume is the name Docker gives a volume it makes itself (an
// image's VOLUME, -v /path without a name): 64 hex digits. Compiled on
// first use: every dockyard command would pay for it at start-up.
var anonymousVolume = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]{64}$`) })

func sameSource(want, found string) bool {
	if strings.HasPrefix(want, "/") {
		return path.Clean(want) == path.Clean(found)
	}
	return want == found
}

func roName(ro bool) string {
	if ro {
		return "read-only"
	}
	return "read-write"
}

// listOrNone shows a list in a message, or "none".
func listOrNone(items []string) string {
	if len(items) == 0 {
		return noneWord
	}
	return strings.Join(items, ", ")
}

// showList shows an exact list, such as a command, as JSON-ish text.
func showList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func equalList(a, b []string) bool { return slices.Equal(a, b) }

// shellFormKey is key, or key+"_shell" when found is a Dockerfile's shell
// form (/bin/sh -c wrapped around the command) and want is not: the
// student wrote ENTRYPOINT or CMD without brackets, and is told so rather
// than left to compare two lists. Docker stores the shell form
// ENTRYPOINT echo hi as ["/bin/sh", "-c", "echo hi"].
func shellFormKey(key string, want, found []string) string {
	shell := func(l []string) bool { return len(l) >= 3 && l[0] == "/bin/sh" && l[1] == "-c" }
	if shell(found) && !shell(want) {
		return key + "_shell"
	}
	return key
}

// sortedKeys returns a map's keys in order, for stable messages.
func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func checkLabels(r *run, key string, have, want map[string]string) {
	for _, k := range sortedKeys(want) {
		got, ok := have[k]
		if !ok {
			got = notSetValue
		}
		if !ok || got != want[k] {
			r.fail(key, map[string]any{"label": k, "want": want[k], "found": got})
		}
	}
}

// stepLabel is the label the engine puts on what it creates while a lesson
// step is active (sandbox/scope.StepLabel; the checker reads engines over
// the Docker API too, so it names the label rather than importing the
// engine's package).
const stepLabel = "dockyard.step"

// setupLabel marks what a step's own setup block made
// (sandbox/scope.SetupLabel): the state earlier steps would have left,
// not the student's work in the step.
const setupLabel = "dockyard.setup"

// madeInStep reports whether labels say the object was made in step by
// the student: the engine labelled it with the step, and not as made by
// the step's setup.
func madeInStep(step string, labels map[string]string) bool {
	return step != "" && labels[stepLabel] == step && labels[setupLabel] != step
}

// checkCreatedInStep fails when want is true and the object was left by an
// earlier step, made outside any lesson or made by the step's setup, not
// by the student in this step; and when want is false and the student made
// it in this step (a container the step says to keep was made again).
func checkCreatedInStep(r *run, kind string, want *bool, labels map[string]string) {
	if want == nil || *want == madeInStep(r.env.Step, labels) {
		return
	}
	if !*want {
		r.fail(kind+".made_again", map[string]any{"step": r.env.Step})
		return
	}
	found := labels[stepLabel]
	if labels[setupLabel] == found {
		found = "" // the step's setup made it: it comes from no other step
	}
	r.fail(kind+".not_this_step", map[string]any{"want": r.env.Step, "found": found})
}

func normalPort(s string) string {
	if !strings.Contains(s, "/") {
		return s + "/tcp"
	}
	return s
}
