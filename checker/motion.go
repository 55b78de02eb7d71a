package checker

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startingWindow is how long after a container's process started the
// checker counts it as still starting: a service inside may not listen yet,
// so a check that cannot reach it looks again instead of failing.
const startingWindow = 15 * time.Second

// now is the clock motion is judged by; tests replace it.
var now = time.Now

// starting reports whether c is in motion: restarting, or running and
// started moments ago.
func starting(c *Container) bool {
	if c == nil {
		return false
	}
	if c.Status == "restarting" {
		return true
	}
	return c.Running() && !c.StartedAt.IsZero() && now().Sub(c.StartedAt) < startingWindow
}

// notRunning records that container c, which a check needs running, is not:
// the finding says what happened to it and how to start it. A restarting
// container is in motion and may be looked at again.
func notRunning(r *run, c *Container) {
	data := map[string]any{"container": c.Name, "found": c.Status, "code": c.ExitCode}
	if !c.FinishedAt.IsZero() {
		data["at"] = c.FinishedAt.Local().Format("15:04")
	}
	if c.OOMKilled {
		data["oom"] = true
		data["memory"] = showBytes(c.Memory)
	}
	switch c.Status {
	case "restarting":
		r.waitFor("wait.restart", map[string]any{"container": c.Name})
	case "created":
		if (c.ExitCode == 126 || c.ExitCode == 127) && len(c.Command) > 0 {
			// Its start failed: docker start would fail the same way.
			data["command"] = c.Command[0]
			r.fail("container.start_failed", data)
			return
		}
		r.fail("container.created", data)
		return
	case "paused":
		r.fail("container.paused", data)
		return
	}
	r.fail("container.stopped", data)
}

// describeContainer adds what is known of c to a timeout finding's data.
func describeContainer(_ *run, c *Container, data map[string]any) {
	if c == nil {
		return
	}
	data["container"] = c.Name
	if c.Memory > 0 {
		data["memory"] = showBytes(c.Memory)
	}
}

// showBytes shows a memory limit as docker run's --memory takes it.
func showBytes(n int64) string {
	switch {
	case n <= 0:
		return ""
	case n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + " GB"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// engineErrorKey names the catalog message for an engine failure, so the
// student reads what went wrong in their language; the raw error goes to
// --debug.
func engineErrorKey(err error) string {
	switch {
	case errors.Is(err, os.ErrPermission) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM):
		return "engine.permission"
	case errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) || isDialError(err):
		return "engine.unreachable"
	}
	return "engine.error"
}

func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// target finds the container behind an address a check could not reach:
// with from, the container host names on a shared network; else the
// container that publishes (or was created to publish) port on the host.
// It returns nil when there is none.
func target(ctx context.Context, r *run, from, host, port string) *Container {
	if from != "" {
		name := host
		switch {
		case local(host):
			name = from // its own loopback: the server runs in from
		case net.ParseIP(host) != nil:
			return nil
		}
		if name == from {
			c, err := r.env.Engine.Container(ctx, name)
			if err != nil {
				return nil
			}
			return c
		}
		c, _ := namedHost(ctx, r.env.Engine, name)
		return c
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil
	}
	cs, err := r.env.Engine.Containers(ctx)
	if err != nil {
		return nil
	}
	var found *Container
	for i := range cs {
		c := &cs[i]
		if !c.Running() && len(c.Bindings) == 0 {
			// A list may show a stopped container without the ports it
			// was created to publish (Docker's does); inspect shows them.
			if full, err := r.env.Engine.Container(ctx, c.Name); err == nil {
				c = full
			}
		}
		for _, b := range append(c.Ports, c.Bindings...) {
			if b.HostPort == p && (b.Proto == "" || b.Proto == "tcp") {
				// A running publisher wins over a stopped one that was
				// created with the same binding.
				if found == nil || c.Running() && !found.Running() {
					found = c
				}
			}
		}
	}
	if found == nil || !found.Running() {
		return found
	}
	// The list may leave out what inspect shows (the start time).
	if c, err := r.env.Engine.Container(ctx, found.Name); err == nil {
		return c
	}
	return found
}

// unreachable explains a connection that failed: the container behind the
// address is not running (a finding naming it), is still starting (wait),
// nothing publishes the port (a finding), or it runs and does not answer
// (the kind's own finding, key with data).
func unreachable(ctx context.Context, r *run, from, addr, key string, data map[string]any) {
	host, port, _ := net.SplitHostPort(addr)
	c := target(ctx, r, from, host, port)
	switch {
	case c == nil && from == "" && local(host):
		if rc, b := reversedPublisher(ctx, r, port); rc != nil {
			r.fail("net.reversed", map[string]any{"port": port, "container": rc.Name, "host": b.HostPort, "compose": rc.Labels[composeProject] != ""})
			return
		}
		r.fail("net.unpublished", map[string]any{"port": port})
		return
	case c == nil:
	case !c.Running():
		notRunning(r, c)
		return
	case from != "" && c.Name != from && apart(ctx, r, from, c):
		return
	case starting(c):
		r.waitFor("wait.accept", map[string]any{"container": c.Name, "port": port})
	}
	r.fail(key, data)
}

// apart fails the check when c, reached by name from the container from,
// shares no network with it on which names resolve: Docker's DNS answers
// on user-defined networks only, never on the default bridge. Waiting for
// c or telling the student to publish a port would send them the wrong way.
func apart(ctx context.Context, r *run, from string, c *Container) bool {
	f, err := r.env.Engine.Container(ctx, from)
	if err != nil {
		return false
	}
	named := func(n string) bool { return n != "bridge" && n != "host" && n != "none" }
	var fromNets, nets []string
	for _, e := range f.Networks {
		fromNets = append(fromNets, e.Network)
	}
	for _, e := range c.Networks {
		nets = append(nets, e.Network)
		if named(e.Network) && slices.Contains(fromNets, e.Network) {
			return false
		}
	}
	list := func(ns []string) string {
		if len(ns) == 0 {
			return noneValue
		}
		return strings.Join(ns, ", ")
	}
	r.fail("net.apart", map[string]any{"container": strings.TrimPrefix(c.Name, "/"), "from": from,
		"nets": list(nets), "fromnets": list(fromNets)})
	return true
}

// reversedPublisher finds a container that publishes port as its
// container port instead of its host port: -p 80:8082 typed for
// -p 8082:80, the most common slip with -p.
func reversedPublisher(ctx context.Context, r *run, port string) (*Container, Port) {
	p, err := strconv.Atoi(port)
	if err != nil {
		return nil, Port{}
	}
	cs, err := r.env.Engine.Containers(ctx)
	if err != nil {
		return nil, Port{}
	}
	for i := range cs {
		for _, b := range append(cs[i].Ports, cs[i].Bindings...) {
			if b.ContainerPort == p && b.HostPort != p && (b.Proto == "" || b.Proto == "tcp") {
				return &cs[i], b
			}
		}
	}
	return nil, Port{}
}

// local reports whether host is this machine.
func local(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}
