// Package dockerapi reads engine state for the checker from any Docker
// Engine API endpoint (Docker, podman's compat API, `dockyard serve`) through
// the moby client. Volume files and network namespaces are read on the local
// machine, so those checks need the engine on the same host.
package dockerapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/dockyard-lab/dockyard/checker"
)

// Engine is a checker.Engine on a Docker Engine API endpoint.
type Engine struct {
	c *client.Client
}

var _ checker.Engine = (*Engine)(nil)

// Open connects to host (unix:///path.sock, tcp://host:port), or to
// DOCKER_HOST and the client's default when host is empty.
func Open(host string) (*Engine, error) {
	opts := []client.Opt{client.FromEnv}
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	c, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker engine api %s: %w", host, err)
	}
	return &Engine{c: c}, nil
}

// Client returns the underlying moby client (tests use it to set state up).
func (e *Engine) Client() *client.Client { return e.c }

// Close releases the client's connections.
func (e *Engine) Close() error { return e.c.Close() }

// wrap turns the API's not-found errors into checker.ErrNotFound.
func wrap(what, name string, err error) error {
	if cerrdefs.IsNotFound(err) && !client.IsErrConnectionFailed(err) {
		return fmt.Errorf("no such %s %s: %w", what, name, checker.ErrNotFound)
	}
	return fmt.Errorf("inspect %s %s: %w", what, name, err)
}

func (e *Engine) Image(ctx context.Context, ref string) (*checker.Image, error) {
	r, err := e.c.ImageInspect(ctx, ref)
	if err != nil {
		return nil, wrap("image", ref, err)
	}
	return FromImage(r.InspectResponse), nil
}

// FromImage converts an Engine API image inspect response.
func FromImage(r image.InspectResponse) *checker.Image {
	img := &checker.Image{ID: r.ID, Tags: r.RepoTags}
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
	r, err := e.c.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		return nil, wrap("container", name, err)
	}
	return FromContainer(r.Container), nil
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
		c.Restart, c.Memory = string(hc.RestartPolicy.Name), hc.Memory
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
	r, err := e.c.ContainerList(ctx, client.ContainerListOptions{All: true})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	out := make([]checker.Container, 0, len(r.Items))
	for _, s := range r.Items {
		c := checker.Container{ID: s.ID, Image: s.Image, ImageID: s.ImageID, Status: string(s.State), Labels: s.Labels}
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
	r, err := e.c.NetworkInspect(ctx, name, client.NetworkInspectOptions{})
	if err != nil {
		return nil, wrap("network", name, err)
	}
	return FromNetwork(r.Network), nil
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
	r, err := e.c.VolumeInspect(ctx, name, client.VolumeInspectOptions{})
	if err != nil {
		return nil, wrap("volume", name, err)
	}
	return &checker.Volume{Name: r.Volume.Name, Driver: r.Volume.Driver, Labels: r.Volume.Labels}, nil
}

func (e *Engine) Images(ctx context.Context) ([]string, error) {
	r, err := e.c.ImageList(ctx, client.ImageListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	var out []string
	for _, img := range r.Items {
		if len(img.RepoTags) == 0 {
			out = append(out, img.ID)
		}
		out = append(out, img.RepoTags...)
	}
	slices.Sort(out)
	return out, nil
}

func (e *Engine) Networks(ctx context.Context) ([]string, error) {
	r, err := e.c.NetworkList(ctx, client.NetworkListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	var out []string
	for _, n := range r.Items {
		out = append(out, n.Name)
	}
	slices.Sort(out)
	return out, nil
}

func (e *Engine) Volumes(ctx context.Context) ([]string, error) {
	r, err := e.c.VolumeList(ctx, client.VolumeListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	var out []string
	for _, v := range r.Items {
		out = append(out, v.Name)
	}
	slices.Sort(out)
	return out, nil
}

func (e *Engine) Exec(ctx context.Context, name string, cmd []string, user string) (checker.ExecResult, error) {
	var res checker.ExecResult
	created, err := e.c.ExecCreate(ctx, name, client.ExecCreateOptions{Cmd: cmd, User: user, AttachStdout: true, AttachStderr: true})
	if err != nil {
		if cerrdefs.IsConflict(err) {
			return res, fmt.Errorf("exec in %s: %w", name, checker.ErrNotRunning)
		}
		return res, wrap("container", name, err)
	}
	att, err := e.c.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return res, fmt.Errorf("exec in %s: %w", name, err)
	}
	defer att.Close()
	var stdout, stderr bytes.Buffer
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(&stdout, &stderr, att.Reader)
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
	ins, err := e.c.ExecInspect(ctx, created.ID, client.ExecInspectOptions{})
	if err != nil {
		return res, fmt.Errorf("exec in %s: %w", name, err)
	}
	return checker.ExecResult{ExitCode: ins.ExitCode, Stdout: stdout.String(), Stderr: stderr.String()}, nil
}

func (e *Engine) ReadVolumeFile(ctx context.Context, volume, path string) ([]byte, error) {
	r, err := e.c.VolumeInspect(ctx, volume, client.VolumeInspectOptions{})
	if err != nil {
		return nil, wrap("volume", volume, err)
	}
	if r.Volume.Mountpoint == "" {
		return nil, fmt.Errorf("volume %s has no local mountpoint", volume)
	}
	p, err := securejoin.SecureJoin(r.Volume.Mountpoint, path)
	if err != nil {
		return nil, fmt.Errorf("volume %s: %s: %w", volume, path, err)
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("volume %s: %s: %w", volume, path, checker.ErrNotFound)
	}
	return data, err
}

func (e *Engine) Dial(ctx context.Context, name, network, addr string) (net.Conn, error) {
	r, err := e.c.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		return nil, wrap("container", name, err)
	}
	st := r.Container.State
	if st == nil || !st.Running || st.Pid == 0 {
		return nil, fmt.Errorf("dial from %s: %w", name, checker.ErrNotRunning)
	}
	return checker.DialInNetNS(ctx, fmt.Sprintf("/proc/%d/ns/net", st.Pid), network, addr)
}
