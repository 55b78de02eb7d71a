// Package dockyard reads Dockyard's own engine for the checker. It uses the
// engine's Docker-shaped inspect output where there is one, so checks see
// Dockyard's containers exactly as they would see Docker's.
package dockyard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"time"

	securejoin "github.com/cyphar/filepath-securejoin"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/dockerapi"
	"github.com/dockyard-lab/dockyard/sandbox/build"
	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/scope"
	"github.com/dockyard-lab/dockyard/sandbox/vm"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// Engine is a checker.Engine on one of Dockyard's state roots.
type Engine struct {
	e *engine.Engine
}

var (
	_ checker.Engine = (*Engine)(nil)
	_ checker.VMRuns = (*Engine)(nil)
)

// New returns the checker's view of e.
func New(e *engine.Engine) *Engine { return &Engine{e: e} }

// notFound maps the stores' not-found errors to checker.ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, image.ErrNotFound) || errors.Is(err, container.ErrNotFound) ||
		errors.Is(err, network.ErrNotFound) || errors.Is(err, volume.ErrNotFound) {
		return fmt.Errorf("%w (%w)", checker.ErrNotFound, err)
	}
	return err
}

func (d *Engine) Image(ctx context.Context, ref string) (*checker.Image, error) {
	img, err := d.e.Images.Get(ctx, ref)
	if err != nil {
		return nil, notFound(err)
	}
	r, err := d.e.Images.Inspect(ctx, img)
	if err != nil {
		return nil, err
	}
	return dockerapi.FromImage(r), nil
}

func (d *Engine) Container(_ context.Context, name string) (*checker.Container, error) {
	r, err := d.e.InspectContainer(name)
	if err != nil {
		return nil, notFound(err)
	}
	return dockerapi.FromContainer(*r), nil
}

func (d *Engine) Containers(context.Context) ([]checker.Container, error) {
	cs, err := d.e.Containers.List()
	if err != nil {
		return nil, err
	}
	out := make([]checker.Container, 0, len(cs))
	for _, c := range cs {
		r, err := d.e.InspectContainer(c.ID)
		if errors.Is(err, container.ErrNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *dockerapi.FromContainer(*r))
	}
	return out, nil
}

func (d *Engine) Network(ctx context.Context, name string) (*checker.Network, error) {
	s, err := d.e.Networks()
	if err != nil {
		return nil, err
	}
	in, err := s.Inspect(ctx, name)
	if err != nil {
		return nil, notFound(err)
	}
	n := &checker.Network{Name: in.Name, Driver: in.Driver, Internal: in.Internal, Labels: in.Labels}
	if in.Subnet.IsValid() {
		n.Subnets = []string{in.Subnet.String()}
	}
	if in.Gateway.IsValid() {
		n.Gateways = []string{in.Gateway.String()}
	}
	for _, ep := range in.Endpoints {
		n.Containers = append(n.Containers, ep.ContainerName)
	}
	return n, nil
}

func (d *Engine) Volume(ctx context.Context, name string) (*checker.Volume, error) {
	s, err := d.e.Volumes()
	if err != nil {
		return nil, err
	}
	v, err := s.Inspect(ctx, name)
	if err != nil {
		return nil, notFound(err)
	}
	return &checker.Volume{Name: v.Name, Driver: v.Driver, Labels: v.Labels}, nil
}

func (d *Engine) Images(ctx context.Context) ([]string, error) {
	imgs, err := d.e.Images.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, img := range imgs {
		if len(img.RepoTags) == 0 {
			out = append(out, img.ID)
		}
		out = append(out, img.RepoTags...)
	}
	slices.Sort(out)
	return out, nil
}

func (d *Engine) Networks(ctx context.Context) ([]string, error) {
	s, err := d.e.Networks()
	if err != nil {
		return nil, err
	}
	ns, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range ns {
		out = append(out, n.Name)
	}
	return out, nil
}

func (d *Engine) Volumes(ctx context.Context) ([]string, error) {
	s, err := d.e.Volumes()
	if err != nil {
		return nil, err
	}
	vs, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, v := range vs {
		out = append(out, v.Name)
	}
	slices.Sort(out)
	return out, nil
}

func (d *Engine) Exec(ctx context.Context, name string, cmd []string, user string) (checker.ExecResult, error) {
	var stdout, stderr bytes.Buffer
	code, err := d.e.Containers.Exec(ctx, name, container.ExecOptions{Cmd: cmd, User: user, Stdout: &stdout, Stderr: &stderr})
	var nr *container.NotRunningError
	switch {
	case errors.As(err, &nr):
		return checker.ExecResult{}, fmt.Errorf("exec in %s: %w", name, checker.ErrNotRunning)
	case err != nil:
		return checker.ExecResult{}, notFound(err)
	}
	return checker.ExecResult{ExitCode: code, Stdout: stdout.String(), Stderr: stderr.String()}, nil
}

func (d *Engine) ReadVolumeFile(ctx context.Context, name, path string) ([]byte, error) {
	s, err := d.e.Volumes()
	if err != nil {
		return nil, err
	}
	if _, err := s.Inspect(ctx, name); err != nil {
		return nil, notFound(err)
	}
	p, err := securejoin.SecureJoin(s.Path(name), path)
	if err != nil {
		return nil, fmt.Errorf("volume %s: %s: %w", name, path, err)
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("volume %s: %s: %w", name, path, checker.ErrNotFound)
	}
	return data, err
}

func (d *Engine) Dial(ctx context.Context, name, netw, addr string) (net.Conn, error) {
	r, err := d.e.InspectContainer(name)
	if err != nil {
		return nil, notFound(err)
	}
	if r.State == nil || !r.State.Running || r.State.Pid == 0 {
		return nil, fmt.Errorf("dial from %s: %w", name, checker.ErrNotRunning)
	}
	return checker.DialInNetNS(ctx, fmt.Sprintf("/proc/%d/ns/net", r.State.Pid), netw, addr)
}

// LastVMRun reads the record `dockyard vm run` leaves under the state root.
func (e *Engine) LastVMRun(context.Context) (*checker.VMRun, error) {
	r, err := vm.ReadLastRun(vm.Dir(e.e.Root()))
	if errors.Is(err, vm.ErrNoLastRun) {
		return nil, fmt.Errorf("%w (%w)", checker.ErrNotFound, err)
	}
	if err != nil {
		return nil, err
	}
	// Only a run made since the student entered the step counts: an older
	// one (from another lesson, or an earlier try) says nothing about it.
	if entered := scope.Read(e.e.Root()).Entered; !entered.IsZero() && r.Time.Before(entered) {
		return nil, fmt.Errorf("%w: no VM has run since %s", checker.ErrNotFound, entered.Format(time.TimeOnly))
	}
	return &checker.VMRun{
		Time:                  r.Time,
		Command:               r.Command,
		ExitCode:              r.ExitCode,
		GuestKernel:           r.GuestKernel,
		HostKernel:            r.HostKernel,
		KernelDiffersFromHost: r.KernelDiffersFromHost,
	}, nil
}

// LastBuild reads the record the builder leaves in the build cache.
func (e *Engine) LastBuild(context.Context) (*checker.Build, error) {
	l, err := build.ReadLast(e.e.BuildCacheDir())
	if errors.Is(err, build.ErrNoLastBuild) {
		return nil, fmt.Errorf("%w (%w)", checker.ErrNotFound, err)
	}
	if err != nil {
		return nil, err
	}
	b := &checker.Build{Tags: l.Tags}
	for _, s := range l.Steps {
		b.Steps = append(b.Steps, checker.BuildStep{Stage: s.Stage, Instruction: s.Instruction, Cached: s.Cached})
	}
	return b, nil
}
