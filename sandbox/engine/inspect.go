package engine

import (
	"net/netip"
	"time"

	mobycontainer "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"

	"github.com/dockyard-lab/dockyard/sandbox/container"
)

// ContainerJSON is a container as Docker 28's Engine API shows it (GET
// /containers/{id}/json), which `docker inspect` prints: moby's current
// types, and the top-level addresses of the default bridge that API 1.51
// still sends ({{.NetworkSettings.IPAddress}} in many tutorials).
type ContainerJSON struct {
	*mobycontainer.InspectResponse
	NetworkSettings *NetworkSettings
}

// NetworkSettings are moby's, with Docker 28's legacy fields.
type NetworkSettings struct {
	mobycontainer.NetworkSettings
	EndpointID          string
	Gateway             string
	GlobalIPv6Address   string
	GlobalIPv6PrefixLen int
	IPAddress           string
	IPPrefixLen         int
	IPv6Gateway         string
	MacAddress          string
}

// InspectContainer returns a container in the shape of Docker's Engine API.
func (e *Engine) InspectContainer(ref string) (*ContainerJSON, error) {
	c, err := e.containers.Get(ref)
	if err != nil {
		return nil, err
	}
	e.WithLivePorts([]*container.Container{c})
	r := inspectResponse(e.containers, c)
	e.fillNetworkSettings(c, r.NetworkSettings)
	ns := &NetworkSettings{NetworkSettings: *r.NetworkSettings}
	if ep := ns.Networks["bridge"]; ep != nil {
		ns.EndpointID = ep.EndpointID
		ns.Gateway = addrString(ep.Gateway)
		ns.GlobalIPv6Address = addrString(ep.GlobalIPv6Address)
		ns.GlobalIPv6PrefixLen = ep.GlobalIPv6PrefixLen
		ns.IPAddress = addrString(ep.IPAddress)
		ns.IPPrefixLen = ep.IPPrefixLen
		ns.IPv6Gateway = addrString(ep.IPv6Gateway)
		if len(ep.MacAddress) > 0 {
			ns.MacAddress = ep.MacAddress.String()
		}
	}
	r.NetworkSettings = nil
	return &ContainerJSON{InspectResponse: r, NetworkSettings: ns}, nil
}

// Response is the container in moby's current type alone.
func (c *ContainerJSON) Response() mobycontainer.InspectResponse {
	r := *c.InspectResponse
	ns := c.NetworkSettings.NetworkSettings
	r.NetworkSettings = &ns
	return r
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func timeString(t time.Time) string {
	if t.IsZero() {
		return "0001-01-01T00:00:00Z"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func inspectResponse(s *container.Store, c *container.Container) *mobycontainer.InspectResponse {
	cfg := c.Spec.Config
	host := c.Spec.Host
	args := cfg.Args()
	path := ""
	if len(args) > 0 {
		path, args = args[0], args[1:]
	}
	st := c.State
	ports := network.PortMap{}
	exposed := network.PortSet{}
	for _, p := range cfg.ExposedPorts {
		if port, err := network.ParsePort(p); err == nil {
			exposed[port] = struct{}{}
			ports[port] = nil
		}
	}
	bindings := network.PortMap{}
	for p, bs := range host.PortBindings {
		port, err := network.ParsePort(p)
		if err != nil {
			continue
		}
		exposed[port] = struct{}{}
		for _, b := range bs {
			ip, _ := netip.ParseAddr(b.HostIP)
			pb := network.PortBinding{HostIP: ip, HostPort: b.HostPort}
			bindings[port] = append(bindings[port], pb)
			if st.Status == container.Running {
				ports[port] = append(ports[port], pb)
			}
		}
	}
	var mounts []mobycontainer.MountPoint
	for _, m := range host.Mounts {
		mounts = append(mounts, mobycontainer.MountPoint{
			Type: mount.Type(m.Type), Name: m.Name, Source: m.Source, Destination: m.Destination,
			RW: !m.ReadOnly, Propagation: mount.PropagationRPrivate,
		})
	}
	if mounts == nil {
		mounts = []mobycontainer.MountPoint{}
	}
	pids := host.Resources.PidsLimit
	if pids == nil {
		d := int64(container.DefaultPidsLimit)
		pids = &d
	}
	restart := host.Restart.Name
	if restart == "" {
		restart = "no"
	}
	return &mobycontainer.InspectResponse{
		ID:      c.ID,
		Created: timeString(c.Created),
		Path:    path,
		Args:    append([]string{}, args...),
		State: &mobycontainer.State{
			Status:     mobycontainer.ContainerState(st.Status),
			Running:    st.Status == container.Running,
			Restarting: st.Status == container.Restarting,
			OOMKilled:  st.OOMKilled,
			Dead:       st.Status == container.Dead,
			Pid:        st.Pid,
			ExitCode:   st.ExitCode,
			Error:      st.Error,
			StartedAt:  timeString(st.StartedAt),
			FinishedAt: timeString(st.FinishedAt),
			Health:     healthInspect(st.Health),
		},
		Image:          c.Spec.ImageID,
		ResolvConfPath: s.ResolvConfPath(c.ID),
		HostnamePath:   s.HostnamePath(c.ID),
		HostsPath:      s.HostsPath(c.ID),
		LogPath:        s.LogPath(c.ID),
		Name:           "/" + c.Name,
		RestartCount:   st.RestartCount,
		Driver:         "overlay2",
		Platform:       "linux",
		HostConfig: &mobycontainer.HostConfig{
			LogConfig:      mobycontainer.LogConfig{Type: "json-file", Config: map[string]string{}},
			NetworkMode:    mobycontainer.NetworkMode(host.NetworkMode),
			PortBindings:   bindings,
			RestartPolicy:  mobycontainer.RestartPolicy{Name: mobycontainer.RestartPolicyMode(restart), MaximumRetryCount: host.Restart.MaximumRetryCount},
			AutoRemove:     host.AutoRemove,
			CapAdd:         host.CapAdd,
			CapDrop:        host.CapDrop,
			ReadonlyRootfs: host.ReadOnly,
			Resources: mobycontainer.Resources{
				Memory:    host.Resources.Memory,
				NanoCPUs:  host.Resources.NanoCPUs,
				PidsLimit: pids,
			},
		},
		Mounts: mounts,
		Config: &mobycontainer.Config{
			Hostname:     cfg.Hostname,
			User:         cfg.User,
			AttachStdin:  cfg.OpenStdin,
			AttachStdout: true,
			AttachStderr: true,
			ExposedPorts: exposed,
			Healthcheck:  healthConfigInspect(cfg.Healthcheck),
			Tty:          cfg.Tty,
			OpenStdin:    cfg.OpenStdin,
			Env:          cfg.Env,
			Cmd:          cfg.Cmd,
			Image:        c.Spec.Image,
			WorkingDir:   cfg.WorkingDir,
			Entrypoint:   cfg.Entrypoint,
			Labels:       nonNil(cfg.Labels),
			StopSignal:   cfg.StopSignal,
		},
		NetworkSettings: &mobycontainer.NetworkSettings{
			Ports:    ports,
			Networks: map[string]*network.EndpointSettings{},
		},
	}
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// healthInspect is State.Health in the Engine API's shape.
func healthInspect(h *container.Health) *mobycontainer.Health {
	if h == nil {
		return nil
	}
	out := &mobycontainer.Health{Status: mobycontainer.HealthStatus(h.Status), FailingStreak: h.FailingStreak, Log: []*mobycontainer.HealthcheckResult{}}
	for _, r := range h.Log {
		out.Log = append(out.Log, &mobycontainer.HealthcheckResult{Start: r.Start, End: r.End, ExitCode: r.ExitCode, Output: r.Output})
	}
	return out
}

// healthConfigInspect is Config.Healthcheck in the Engine API's shape.
func healthConfigInspect(h *container.HealthConfig) *mobycontainer.HealthConfig {
	if h == nil {
		return nil
	}
	return &mobycontainer.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries}
}

// HealthStatus is a container's health for filters and summaries: "none"
// without a check (or when it is not running), else its status.
func HealthStatus(c *container.Container) string {
	if c.State.Status != container.Running || c.State.Health == nil || c.State.Health.Status == "" {
		return string(mobycontainer.NoHealthcheck)
	}
	return c.State.Health.Status
}
