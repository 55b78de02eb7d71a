// Package dockerapi reads engine state for the checker from any Docker
// Engine API endpoint (Docker, podman's compat API, `dockyard serve`), in
// the moby API's types. Volume files and network namespaces are read on the local
// machine, so those checks need the engine on the same host.
package dockerapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/api/types/volume"

	"github.com/dockyard-lab/dockyard/checker"
)

// Engine is a checker.Engine on a Docker Engine API endpoint.
type Engine struct {
	c *client
}

var _ checker.Engine = (*Engine)(nil)

// Open connects to host (unix:///path.sock, tcp://host:port), or to
// DOCKER_HOST and Docker's socket when host is empty.
func Open(host string) (*Engine, error) {
	if host == "" {
		host = os.Getenv("DOCKER_HOST")
	}
	c, err := newClient(host)
	if err != nil {
		return nil, fmt.Errorf("docker engine api %s: %w", host, err)
	}
	return &Engine{c: c}, nil
}

// Ping asks the endpoint whether it answers (GET /_ping).
func (e *Engine) Ping(ctx context.Context) error { return e.c.get(ctx, "/_ping", nil) }

// Close releases the client's connections.
func (e *Engine) Close() error {
	e.c.close()
	return nil
}

// wrap turns the API's not-found errors into checker.ErrNotFound.
func wrap(what, name string, err error) error {
	if hasStatus(err, http.StatusNotFound) {
		return fmt.Errorf("no such %s %s: %w", what, name, checker.ErrNotFound)
	}
	return fmt.Errorf("inspect %s %s: %w", what, name, err)
}

func (e *Engine) Image(ctx context.Context, ref string) (*checker.Image, error) {
	var r image.InspectResponse
	if err := e.c.get(ctx, "/images/"+ref+"/json", &r); err != nil {
		return nil, wrap("image", ref, err)
	}
	return FromImage(r), nil
}

// FromImage converts an Engine API image inspect response.
func FromImage(r image.InspectResponse) *checker.Image {
	img := &checker.Image{ID: r.ID, Tags: r.RepoTags, Digests: r.RepoDigests}
	if r.RootFS.Layers != nil {
		img.Layers = r.RootFS.Layers
	}
	if cfg := r.Config; cfg != nil {
		img.Env, img.Labels, img.Entrypoint, img.Cmd = cfg.Env, cfg.Labels, cfg.Entrypoint, cfg.Cmd
		img.WorkingDir, img.User = cfg.WorkingDir, cfg.User
		for p := range cfg.ExposedPorts {
			img.Exposed = append(img.Exposed, p)
		}
		slices.Sort(img.Exposed)
	}
	return img
}

func (e *Engine) Container(ctx context.Context, name string) (*checker.Container, error) {
	r, err := e.inspect(ctx, name)
	if err != nil {
		return nil, err
	}
	return FromContainer(r), nil
}

func (e *Engine) inspect(ctx context.Context, name string) (container.InspectResponse, error) {
	var r container.InspectResponse
	if err := e.c.get(ctx, "/containers/"+name+"/json", &r); err != nil {
		return r, wrap("container", name, err)
	}
	return r, nil
}

// FromContainer converts an Engine API container inspect response.
func FromContainer(r container.InspectResponse) *checker.Container {
	c := &checker.Container{ID: r.ID, Name: strings.TrimPrefix(r.Name, "/"), ImageID: r.Image,
		RestartCount: r.RestartCount, Command: append([]string{r.Path}, r.Args...)}
	if r.State != nil {
		c.Status, c.ExitCode, c.OOMKilled = string(r.State.Status), r.State.ExitCode, r.State.OOMKilled
		c.StartedAt, c.FinishedAt = when(r.State.StartedAt), when(r.State.FinishedAt)
		if r.State.Health != nil && r.State.Running {
			c.Health = string(r.State.Health.Status)
		}
	}
	if cfg := r.Config; cfg != nil {
		c.Image, c.Env, c.Labels, c.User = cfg.Image, cfg.Env, cfg.Labels, cfg.User
	}
	if hc := r.HostConfig; hc != nil {
		c.Restart, c.RestartMax, c.Memory = string(hc.RestartPolicy.Name), hc.RestartPolicy.MaximumRetryCount, hc.Memory
		for p, bindings := range hc.PortBindings {
			for _, b := range bindings {
				hostIP := ""
				if b.HostIP.IsValid() {
					hostIP = b.HostIP.String()
				}
				c.Bindings = append(c.Bindings, port(p.Num(), string(p.Proto()), hostIP, b.HostPort))
			}
		}
	}
	for _, m := range r.Mounts {
		c.Mounts = append(c.Mounts, mount(m))
	}
	if ns := r.NetworkSettings; ns != nil {
		for p, bindings := range ns.Ports {
			for _, b := range bindings {
				hostIP := ""
				if b.HostIP.IsValid() {
					hostIP = b.HostIP.String()
				}
				c.Ports = append(c.Ports, port(p.Num(), string(p.Proto()), hostIP, b.HostPort))
			}
		}
		c.Networks = endpoints(ns.Networks)
	}
	if len(c.Networks) == 0 && r.HostConfig != nil {
		c.Networks = modeEndpoint(string(r.HostConfig.NetworkMode))
	}
	return c
}

// when parses an inspect timestamp; Docker's "0001-01-01T00:00:00Z" and
// anything unreadable are the zero time.
func when(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || t.Year() <= 1 {
		return time.Time{}
	}
	return t
}

// modeEndpoint stands for the host and none networks, which Docker lists as
// networks and podman only as the container's network mode.
func modeEndpoint(mode string) []checker.Endpoint {
	if mode == "host" || mode == "none" {
		return []checker.Endpoint{{Network: mode}}
	}
	return nil
}

func mount(m container.MountPoint) checker.Mount {
	out := checker.Mount{Type: string(m.Type), Source: m.Source, Destination: m.Destination, ReadOnly: !m.RW}
	if m.Type == "volume" {
		out.Source = m.Name
	}
	return out
}

func port(num uint16, proto, hostIP, hostPort string) checker.Port {
	var hp int
	fmt.Sscan(hostPort, &hp)
	return checker.Port{ContainerPort: int(num), Proto: proto, HostIP: hostIP, HostPort: hp}
}

func endpoints(m map[string]*network.EndpointSettings) []checker.Endpoint {
	var out []checker.Endpoint
	for name, ep := range m {
		e := checker.Endpoint{Network: name, Aliases: ep.Aliases}
		if ep.IPAddress.IsValid() {
			e.IP = ep.IPAddress.String()
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b checker.Endpoint) int { return strings.Compare(a.Network, b.Network) })
	return out
}

func (e *Engine) Containers(ctx context.Context) ([]checker.Container, error) {
	var items []container.Summary
	if err := e.c.get(ctx, "/containers/json?all=1", &items); err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	out := make([]checker.Container, 0, len(items))
	for _, s := range items {
		c := checker.Container{ID: s.ID, Image: s.Image, ImageID: s.ImageID, Status: string(s.State), Labels: s.Labels}
		if s.Image == s.ImageID {
			// The listing names the image by its ID once the reference
			// the container was created from names another image or
			// none (moby's refreshImage); its record keeps the reference.
			r, err := e.inspect(ctx, s.ID)
			if err == nil && r.Config != nil {
				c.Image = r.Config.Image
			}
		}
		if len(s.Names) > 0 {
			c.Name = strings.TrimPrefix(s.Names[0], "/")
		}
		for _, m := range s.Mounts {
			c.Mounts = append(c.Mounts, mount(m))
		}
		for _, p := range s.Ports {
			hostIP := ""
			if p.IP.IsValid() {
				hostIP = p.IP.String()
			}
			c.Ports = append(c.Ports, checker.Port{ContainerPort: int(p.PrivatePort), Proto: p.Type, HostIP: hostIP, HostPort: int(p.PublicPort)})
		}
		if s.NetworkSettings != nil {
			c.Networks = endpoints(s.NetworkSettings.Networks)
		}
		if len(c.Networks) == 0 {
			c.Networks = modeEndpoint(s.HostConfig.NetworkMode)
		}
		out = append(out, c)
	}
	return out, nil
}

func (e *Engine) Network(ctx context.Context, name string) (*checker.Network, error) {
	var r network.Inspect
	if err := e.c.get(ctx, "/networks/"+name, &r); err != nil {
		return nil, wrap("network", name, err)
	}
	return FromNetwork(r), nil
}

// FromNetwork converts a network's Docker inspect output to the checker's
// view.
func FromNetwork(r network.Inspect) *checker.Network {
	n := &checker.Network{Name: r.Name, Driver: r.Driver, Internal: r.Internal, Labels: r.Labels}
	for _, c := range r.IPAM.Config {
		if c.Subnet.IsValid() {
			n.Subnets = append(n.Subnets, c.Subnet.String())
		}
		if c.Gateway.IsValid() {
			n.Gateways = append(n.Gateways, c.Gateway.String())
		}
	}
	for _, c := range r.Containers {
		n.Containers = append(n.Containers, c.Name)
	}
	slices.Sort(n.Containers)
	return n
}

func (e *Engine) Volume(ctx context.Context, name string) (*checker.Volume, error) {
	var r volume.Volume
	if err := e.c.get(ctx, "/volumes/"+name, &r); err != nil {
		return nil, wrap("volume", name, err)
	}
	return &checker.Volume{Name: r.Name, Driver: r.Driver, Labels: r.Labels}, nil
}

func (e *Engine) Images(ctx context.Context) ([]string, error) {
	var items []image.Summary
	if err := e.c.get(ctx, "/images/json", &items); err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	var out []string
	for _, img := range items {
		if len(img.RepoTags) == 0 {
			out = append(out, img.ID)
		}
		out = append(out, img.RepoTags...)
	}
	slices.Sort(out)
	return out, nil
}

func (e *Engine) Networks(ctx context.Context) ([]string, error) {
	var items []network.Summary
	if err := e.c.get(ctx, "/networks", &items); err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	var out []string
	for _, n := range items {
		out = append(out, n.Name)
	}
	slices.Sort(out)
	return out, nil
}

func (e *Engine) Volumes(ctx context.Context) ([]string, error) {
	var r volume.ListResponse
	if err := e.c.get(ctx, "/volumes", &r); err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	var out []string
	for _, v := range r.Volumes {
		out = append(out, v.Name)
	}
	slices.Sort(out)
	return out, nil
}

func (e *Engine) Exec(ctx context.Context, name string, cmd []string, user string) (checker.ExecResult, error) {
	var res checker.ExecResult
	var created container.ExecCreateResponse
	err := e.c.call(ctx, http.MethodPost, "/containers/"+name+"/exec",
		container.ExecCreateRequest{Cmd: cmd, User: user, AttachStdout: true, AttachStderr: true}, &created)
	if err != nil {
		if hasStatus(err, http.StatusConflict) {
			return res, fmt.Errorf("exec in %s: %w", name, checker.ErrNotRunning)
		}
		return res, wrap("container", name, err)
	}
	att, err := e.c.stream(ctx, "/exec/"+created.ID+"/start", container.ExecStartRequest{})
	if err != nil {
		return res, fmt.Errorf("exec in %s: %w", name, err)
	}
	defer att.Close()
	var stdout, stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(&stdout, &stderr, att)
		done <- err
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		return res, fmt.Errorf("exec in %s: %w", name, ctx.Err())
	}
	if err != nil {
		return res, fmt.Errorf("exec in %s: read output: %w", name, err)
	}
	var ins struct{ ExitCode int }
	if err := e.c.get(ctx, "/exec/"+created.ID+"/json", &ins); err != nil {
		return res, fmt.Errorf("exec in %s: %w", name, err)
	}
	return checker.ExecResult{ExitCode: ins.ExitCode, Stdout: stdout.String(), Stderr: stderr.String()}, nil
}

func (e *Engine) ReadVolumeFile(ctx context.Context, vol, path string) ([]byte, error) {
	var r volume.Volume
	if err := e.c.get(ctx, "/volumes/"+vol, &r); err != nil {
		return nil, wrap("volume", vol, err)
	}
	if r.Mountpoint == "" {
		return nil, fmt.Errorf("volume %s has no local mountpoint", vol)
	}
	p, err := securejoin.SecureJoin(r.Mountpoint, path)
	if err != nil {
		return nil, fmt.Errorf("volume %s: %s: %w", vol, path, err)
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("volume %s: %s: %w", vol, path, checker.ErrNotFound)
	}
	return data, err
}

func (e *Engine) Dial(ctx context.Context, name, network, addr string) (net.Conn, error) {
	r, err := e.inspect(ctx, name)
	if err != nil {
		return nil, err
	}
	st := r.State
	if st == nil || !st.Running || st.Pid == 0 {
		return nil, fmt.Errorf("dial from %s: %w", name, checker.ErrNotRunning)
	}
	return checker.DialInNetNS(ctx, fmt.Sprintf("/proc/%d/ns/net", st.Pid), network, addr)
}
