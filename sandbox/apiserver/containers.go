package apiserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	mobycontainer "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

func (s *Server) containerRoutes() {
	s.handle("POST /containers/create", s.createContainer)
	s.handle("GET /containers/json", s.listContainers)
	s.handle("POST /containers/prune", s.pruneContainers)
	s.handle("GET /containers/{id}/json", s.inspectContainer)
	s.handle("POST /containers/{id}/start", s.startContainer)
	s.handle("POST /containers/{id}/wait", s.waitContainer)
	s.handle("POST /containers/{id}/attach", s.attach)
	s.handle("GET /containers/{id}/logs", s.logs)
	s.handle("POST /containers/{id}/stop", s.stopContainer)
	s.handle("POST /containers/{id}/kill", s.killContainer)
	s.handle("POST /containers/{id}/restart", s.restartContainer)
	s.handle("DELETE /containers/{id}", s.removeContainer)
	s.handle("POST /containers/{id}/rename", s.renameContainer)
	s.handle("GET /containers/{id}/top", s.top)
	s.handle("GET /containers/{id}/changes", s.changes)
	s.handle("POST /containers/{id}/resize", s.resizeContainer)
}

// createOptions turns a create request into the engine's options, as the
// CLI's flags do for `dockyard docker create`.
func createOptions(name string, req *mobycontainer.CreateRequest) (engine.CreateOptions, error) {
	cfg := req.Config
	if cfg == nil {
		return engine.CreateOptions{}, badRequest("config cannot be empty in order to create a container")
	}
	hc := req.HostConfig
	if hc == nil {
		hc = &mobycontainer.HostConfig{}
	}
	o := engine.CreateOptions{
		Image:      cfg.Image,
		Name:       name,
		Cmd:        cfg.Cmd,
		Env:        cfg.Env,
		WorkingDir: cfg.WorkingDir,
		User:       cfg.User,
		Hostname:   cfg.Hostname,
		Tty:        cfg.Tty,
		OpenStdin:  cfg.OpenStdin,
		Labels:     cfg.Labels,

		AutoRemove: hc.AutoRemove,
		ReadOnly:   hc.ReadonlyRootfs,
		CapAdd:     hc.CapAdd,
		CapDrop:    hc.CapDrop,
		Privileged: hc.Privileged,
		PublishAll: hc.PublishAllPorts,
	}
	if cfg.Entrypoint != nil {
		ep := strings.Join(cfg.Entrypoint, " ")
		o.Entrypoint = &ep
		if len(cfg.Entrypoint) > 1 {
			// The API's entrypoint is a list; the engine takes one
			// program and puts the rest before the command.
			ep = cfg.Entrypoint[0]
			o.Entrypoint = &ep
			o.Cmd = append(slices.Clone(cfg.Entrypoint[1:]), cfg.Cmd...)
		}
	}
	for p := range cfg.ExposedPorts {
		o.ExposedPorts = append(o.ExposedPorts, p.String())
	}
	if h := cfg.Healthcheck; h != nil {
		test := h.Test
		if len(test) == 0 {
			test = nil // "Test": [] is no test given, as omitted: the image's
		}
		o.Healthcheck = &engine.HealthConfig{Test: test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries}
	}
	o.Restart = engine.RestartPolicy{Name: string(hc.RestartPolicy.Name), MaximumRetryCount: hc.RestartPolicy.MaximumRetryCount}
	o.Resources = engine.Resources{Memory: hc.Memory, NanoCPUs: hc.NanoCPUs, PidsLimit: hc.PidsLimit}
	if len(hc.PortBindings) > 0 {
		o.PortBindings = map[string][]engine.PortBinding{}
		for port, bs := range hc.PortBindings {
			if len(bs) == 0 {
				bs = []network.PortBinding{{}}
			}
			for _, b := range bs {
				ip := ""
				if b.HostIP.IsValid() {
					ip = b.HostIP.String()
				}
				o.PortBindings[port.String()] = append(o.PortBindings[port.String()], engine.PortBinding{HostIP: ip, HostPort: b.HostPort})
			}
		}
	}
	mounts, err := engine.ParseMounts(hc.Binds, nil)
	if err != nil {
		return o, err
	}
	for _, m := range hc.Mounts {
		spec, err := mountSpec(m)
		if err != nil {
			return o, err
		}
		mounts = append(mounts, spec)
	}
	for target, opts := range hc.Tmpfs {
		value := target
		if opts != "" {
			value += ":" + opts
		}
		spec, err := engine.ParseTmpfs(value)
		if err != nil {
			return o, badRequest("%v", err)
		}
		mounts = append(mounts, spec)
	}
	o.Mounts = mounts
	mode := string(hc.NetworkMode)
	if nc := req.NetworkingConfig; nc != nil {
		for netName, ep := range nc.EndpointsConfig {
			if ep == nil {
				continue
			}
			if mode == "" {
				mode = netName
			}
			if netName == mode {
				o.NetworkAliases = append(o.NetworkAliases, ep.Aliases...)
			}
		}
	}
	o.Network, err = engine.ParseNetworkMode(mode)
	return o, err
}

// mountSpec reads an API mount (docker run --mount as the CLI sends it).
func mountSpec(m mount.Mount) (engine.MountSpec, error) {
	if m.Target == "" {
		return engine.MountSpec{}, badRequest("invalid mount config: mount target must not be empty")
	}
	// moby's parser checks the target first (volume/mounts linux_parser):
	// a relative one is refused, whatever the type.
	if !path.IsAbs(m.Target) {
		return engine.MountSpec{}, badRequest("invalid mount config for type %q: invalid mount path: '%s' mount path must be absolute", m.Type, m.Target)
	}
	spec := engine.MountSpec{Type: string(m.Type), Source: m.Source, Target: m.Target, ReadOnly: m.ReadOnly}
	switch m.Type {
	case mount.TypeBind, mount.TypeTmpfs:
	case mount.TypeVolume:
		if m.VolumeOptions != nil {
			spec.NoCopy = m.VolumeOptions.NoCopy
		}
	default:
		return spec, badRequest("invalid mount config: mount type unknown: %q", m.Type)
	}
	if m.TmpfsOptions != nil {
		spec.TmpfsSize, spec.TmpfsMode = m.TmpfsOptions.SizeBytes, uint32(m.TmpfsOptions.Mode)
	}
	return spec, nil
}

func (s *Server) createContainer(w http.ResponseWriter, r *http.Request) error {
	var req mobycontainer.CreateRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	o, err := createOptions(r.URL.Query().Get("name"), &req)
	if err != nil {
		return err
	}
	c, warnings, err := s.e.CreateContainer(r.Context(), o)
	if err != nil {
		return err
	}
	if warnings == nil {
		warnings = []string{}
	}
	return writeJSON(w, http.StatusCreated, mobycontainer.CreateResponse{ID: c.ID, Warnings: warnings})
}

func (s *Server) inspectContainer(w http.ResponseWriter, r *http.Request) error {
	in, err := s.e.InspectContainer(r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, in)
}

func (s *Server) startContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.e.Container(r.PathValue("id"))
	if err != nil {
		return err
	}
	if c.State.Status == engine.Running || c.State.Status == engine.Restarting {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if err := s.start(c, s.pendingSession(c)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// waitContainer is POST /containers/{id}/wait: the answer's headers go out
// at once, the body when the condition is met. condition is not-running
// (the default), next-exit or removed.
func (s *Server) waitContainer(w http.ResponseWriter, r *http.Request) error {
	cond := r.URL.Query().Get("condition")
	switch cond {
	case "", "not-running", "next-exit", "removed":
	default:
		return badRequest("invalid condition: %q (use not-running, next-exit or removed)", cond)
	}
	c, err := s.e.Container(r.PathValue("id"))
	if err != nil {
		return err
	}
	since := time.Now()
	// The session of the start this wait is about: one that runs, or the
	// one the next start uses.
	ss := s.currentSession(c.ID)
	if ss == nil || (!ss.running() && cond != "" && cond != "not-running") {
		if c.State.Status != engine.Running && c.State.Status != engine.Restarting {
			ss = s.pendingSession(c)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	code, werr := s.waitFor(r.Context(), c.ID, cond, since, ss)
	if r.Context().Err() != nil {
		return nil
	}
	resp := mobycontainer.WaitResponse{StatusCode: int64(code)}
	if werr != nil {
		resp.Error = &mobycontainer.WaitExitError{Message: werr.Error()}
	}
	return json.NewEncoder(w).Encode(resp)
}

func (s *Server) waitFor(ctx context.Context, id, cond string, since time.Time, ss *session) (int, error) {
	var done <-chan struct{}
	if ss != nil {
		done = ss.done
	}
	sessionCode := func() (int, error) {
		if ss.err != nil && ss.code == 0 {
			return 0, ss.err
		}
		return ss.code, nil
	}
	for {
		select {
		case <-done:
			if cond != "removed" {
				return sessionCode()
			}
			if _, err := s.e.Container(id); engine.KindOf(err) == engine.NotFound {
				return sessionCode()
			}
		default:
		}
		c, err := s.e.Container(id)
		if engine.KindOf(err) == engine.NotFound {
			if ss == nil || !ss.wasStarted() {
				return 0, nil
			}
			// A --rm container's monitor removes it before it reports
			// the exit code: wait for the report.
			select {
			case <-ss.done:
				return sessionCode()
			case <-ctx.Done():
				return 0, ctx.Err()
			}
		}
		if err != nil {
			return 0, err
		}
		ended := c.State.Status == engine.Exited || c.State.Status == engine.Dead
		switch cond {
		case "", "not-running":
			if c.State.Status == engine.Created || ended {
				return c.State.ExitCode, nil
			}
		case "next-exit":
			if ended && c.State.FinishedAt.After(since) && done == nil {
				return c.State.ExitCode, nil
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-done:
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// logs is GET /containers/{id}/logs: multiplexed for a container without
// a terminal, raw for one with.
func (s *Server) logs(w http.ResponseWriter, r *http.Request) error {
	c, err := s.e.Container(r.PathValue("id"))
	if err != nil {
		return err
	}
	wantOut, wantErr := boolParam(r, "stdout"), boolParam(r, "stderr")
	if !wantOut && !wantErr {
		return badRequest("you must choose at least one stream")
	}
	opts := engine.LogOptions{Follow: boolParam(r, "follow"), Tail: engine.ParseTail(r.URL.Query().Get("tail")), Timestamps: boolParam(r, "timestamps")}
	if since := r.URL.Query().Get("since"); since != "" && since != "0" {
		sec, err := strconv.ParseFloat(since, 64)
		if err != nil {
			return badRequest("invalid value for since: %q (seconds since the epoch)", since)
		}
		opts.Since = time.Unix(0, int64(sec*1e9))
	}
	tty := c.Spec.Config.Tty
	ctype := "application/vnd.docker.multiplexed-stream"
	if tty {
		ctype = "application/vnd.docker.raw-stream"
	}
	w.Header().Set("Content-Type", ctype)
	w.WriteHeader(http.StatusOK)
	fw := newFlushWriter(w)
	fw.Write(nil) //nolint:errcheck // sends the headers before the first line
	stdout, stderr := streams(fw, tty)
	if !wantOut {
		stdout = nil
	}
	if !wantErr {
		stderr = nil
	}
	// The request's context ends when the client hangs up, which ends a
	// follow.
	_ = s.e.ContainerLogs(r.Context(), c.ID, opts, orDiscard(stdout), orDiscard(stderr))
	return nil
}

func (s *Server) listContainers(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", -1)
	if err != nil {
		return err
	}
	list, err := s.e.ListContainers(r.Context(), engine.ListOptions{All: boolParam(r, "all"), Limit: limit, Filters: engine.Filters(f)})
	if err != nil {
		return err
	}
	out := []mobycontainer.Summary{}
	now := time.Now()
	for _, c := range list {
		out = append(out, s.summary(c, now))
	}
	return writeJSON(w, http.StatusOK, out)
}

// summary is a container as GET /containers/json lists it.
func (s *Server) summary(c *engine.Container, now time.Time) mobycontainer.Summary {
	args := c.Spec.Config.Args()
	quoted := make([]string, len(args))
	for i, a := range args {
		if strings.Contains(a, " ") {
			a = "'" + a + "'"
		}
		quoted[i] = a
	}
	sum := mobycontainer.Summary{
		ID:      c.ID,
		Names:   []string{"/" + c.Name},
		Image:   c.Spec.Image,
		ImageID: c.Spec.ImageID,
		Command: strings.Join(quoted, " "),
		Created: c.Created.Unix(),
		Ports:   []mobycontainer.PortSummary{},
		Labels:  nonNil(c.Spec.Config.Labels),
		State:   mobycontainer.ContainerState(c.State.Status),
		Status:  engine.ContainerStatus(c, now),
		Mounts:  []mobycontainer.MountPoint{},
	}
	sum.HostConfig.NetworkMode = c.Spec.Host.NetworkMode
	if h := c.State.Health; h != nil && c.State.Status == engine.Running {
		sum.Health = &mobycontainer.HealthSummary{Status: mobycontainer.HealthStatus(h.Status), FailingStreak: h.FailingStreak}
	}
	// Ports are listed for a running container only, and none on the
	// host's network, where nothing is published (moby lists
	// NetworkSettings.Ports, empty there): as `docker ps` shows them.
	running := c.State.Status == engine.Running && c.Spec.Host.NetworkMode != "host"
	seen := map[string]bool{}
	for p, bs := range c.Spec.Host.PortBindings {
		port, err := network.ParsePort(p)
		if err != nil {
			continue
		}
		seen[p] = true
		if !running {
			continue
		}
		for _, b := range bs {
			ps := mobycontainer.PortSummary{PrivatePort: port.Num(), Type: string(port.Proto())}
			if n, err := strconv.Atoi(b.HostPort); err == nil {
				ps.PublicPort = uint16(n)
			}
			ip := b.HostIP
			if ip == "" {
				ip = "0.0.0.0"
			}
			ps.IP, _ = netip.ParseAddr(ip)
			sum.Ports = append(sum.Ports, ps)
		}
	}
	if running {
		for _, p := range c.Spec.Config.ExposedPorts {
			if port, err := network.ParsePort(p); err == nil && !seen[p] {
				sum.Ports = append(sum.Ports, mobycontainer.PortSummary{PrivatePort: port.Num(), Type: string(port.Proto())})
			}
		}
	}
	for _, m := range c.Spec.Host.Mounts {
		sum.Mounts = append(sum.Mounts, mobycontainer.MountPoint{Type: mount.Type(m.Type), Name: m.Name, Source: m.Source, Destination: m.Destination, RW: !m.ReadOnly})
	}
	if in, err := s.e.InspectContainer(c.ID); err == nil && in.NetworkSettings != nil {
		sum.NetworkSettings = &mobycontainer.NetworkSettingsSummary{Networks: in.NetworkSettings.Networks}
	}
	return sum
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func (s *Server) stopContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.e.Container(r.PathValue("id"))
	if err != nil {
		return err
	}
	timeout, err := intParam(r, "t", 10)
	if err != nil {
		return err
	}
	if c.State.Status != engine.Running && c.State.Status != engine.Restarting {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	if sig := r.URL.Query().Get("signal"); sig != "" {
		if _, err := engine.ParseSignal(sig); err != nil {
			return badRequest("%v", err)
		}
	}
	// Stopping finishes even when the client hangs up.
	if err := s.e.StopContainer(context.Background(), c.ID, engine.StopTimeout(timeout)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) killContainer(w http.ResponseWriter, r *http.Request) error {
	sig := unix.SIGKILL
	if v := r.URL.Query().Get("signal"); v != "" {
		var err error
		if sig, err = engine.ParseSignal(v); err != nil {
			return badRequest("%v", err)
		}
	}
	if err := s.e.KillContainer(r.Context(), r.PathValue("id"), sig); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) restartContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.e.Container(r.PathValue("id"))
	if err != nil {
		return err
	}
	timeout, err := intParam(r, "t", 10)
	if err != nil {
		return err
	}
	// Restarting finishes even when the client hangs up.
	err = s.e.RestartContainer(context.Background(), c.ID, timeout, func(c *engine.Container) error {
		if cur := s.currentSession(c.ID); cur != nil && cur.wasStarted() {
			<-cur.done // the old session has let its clients go
		}
		return s.start(c, s.pendingSession(c))
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) removeContainer(w http.ResponseWriter, r *http.Request) error {
	ref := r.PathValue("id")
	c, err := s.e.Container(ref)
	if err != nil {
		return err
	}
	// Removal finishes even when the client hangs up. It gets ref, not
	// c.ID: a refusal names the container as the client did.
	if err := s.e.RemoveContainer(context.Background(), ref, boolParam(r, "force"), boolParam(r, "v")); err != nil {
		return err
	}
	s.forgetSession(c.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) renameContainer(w http.ResponseWriter, r *http.Request) error {
	name := strings.TrimPrefix(r.URL.Query().Get("name"), "/")
	if name == "" {
		return badRequest("missing the new name: use ?name=NEW")
	}
	if err := s.e.RenameContainer(r.Context(), r.PathValue("id"), name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// changes is GET /containers/{id}/changes, docker diff.
func (s *Server) changes(w http.ResponseWriter, r *http.Request) error {
	changes, err := s.e.ContainerChanges(r.PathValue("id"))
	if err != nil {
		return err
	}
	out := []mobycontainer.FilesystemChange{}
	for _, c := range changes {
		out = append(out, mobycontainer.FilesystemChange{Path: c.Path, Kind: mobycontainer.ChangeType(c.Kind)})
	}
	return writeJSON(w, http.StatusOK, out)
}

// top is GET /containers/{id}/top: the host's ps, limited to the
// container's processes, as Docker's daemon does.
func (s *Server) top(w http.ResponseWriter, r *http.Request) error {
	resp, err := s.e.Top(r.Context(), r.PathValue("id"), strings.Fields(r.URL.Query().Get("ps_args")))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resp)
}

func (s *Server) resizeContainer(w http.ResponseWriter, r *http.Request) error {
	c, err := s.e.Container(r.PathValue("id"))
	if err != nil {
		return err
	}
	cols, rows, err := terminalSize(r)
	if err != nil {
		return err
	}
	ss := s.currentSession(c.ID)
	if ss == nil {
		if c.State.Status != engine.Running {
			return conflict("container %s is not running", c.ID)
		}
		return conflict("container %s was not started by this server: its terminal cannot be resized here", c.ID)
	}
	if err := ss.resize(cols, rows); err != nil {
		return fmt.Errorf("resize: %w", err)
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) pruneContainers(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err != nil {
		return err
	}
	// A container that cannot be removed is skipped, as Docker's daemon
	// does; a bad filter is the request's error.
	deleted, err := s.e.PruneContainers(context.Background(), engine.Filters(f))
	if err != nil && engine.KindOf(err) == engine.InvalidArgument {
		return err
	}
	for _, id := range deleted {
		s.forgetSession(id)
	}
	rep := mobycontainer.PruneReport{ContainersDeleted: deleted}
	if rep.ContainersDeleted == nil {
		rep.ContainersDeleted = []string{}
	}
	return writeJSON(w, http.StatusOK, rep)
}
