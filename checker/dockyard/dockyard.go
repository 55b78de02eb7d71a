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
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/scope"
	"github.com/dockyard-lab/dockyard/sandbox/vm"
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

// notFound maps the engine's not-found errors to checker.ErrNotFound.
func notFound(err error) error {
	if err != nil && engine.KindOf(err) == engine.NotFound {
		return fmt.Errorf("%w (%w)", checker.ErrNotFound, err)
	}
	return err
}

func (d *Engine) Image(ctx context.Context, ref string) (*checker.Image, error) {
	r, err := d.e.InspectImage(ctx, ref)
	if err != nil {
		return nil, notFound(err)
	}
	return dockerapi.FromImage(r), nil
}

func (d *Engine) Container(_ context.Context, name string) (*checker.Container, error) {
	r, err := d.e.InspectContainer(name)
	if err != nil {
		return nil, notFound(err)
	}
	return dockerapi.FromContainer(r.Response()), nil
}

func (d *Engine) Containers(context.Context) ([]checker.Container, error) {
	cs, err := d.e.Containers()
	if err != nil {
		return nil, err
	}
	out := make([]checker.Container, 0, len(cs))
	for _, c := range cs {
		r, err := d.e.InspectContainer(c.ID)
		if engine.KindOf(err) == engine.NotFound {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		out = append(out, *dockerapi.FromContainer(r.Response()))
	}
	return out, nil
}

func (d *Engine) Network(ctx context.Context, name string) (*checker.Network, error) {
	in, err := d.e.InspectNetwork(ctx, name)
	if err != nil {
		return nil, notFound(err)
	}
	return dockerapi.FromNetwork(in), nil
}

func (d *Engine) Volume(ctx context.Context, name string) (*checker.Volume, error) {
	v, err := d.e.InspectVolume(ctx, name)
	if err != nil {
		return nil, notFound(err)
	}
	return &checker.Volume{Name: v.Name, Driver: v.Driver, Labels: v.Labels}, nil
}

func (d *Engine) Images(ctx context.Context) ([]string, error) {
	imgs, err := d.e.Images(ctx)
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
	ns, err := d.e.ListNetworks(ctx, nil)
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
	vs, err := d.e.ListVolumes(ctx, nil)
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
	code, err := d.e.ExecContainer(ctx, name, engine.ExecOptions{Cmd: cmd, User: user, Stdout: &stdout, Stderr: &stderr})
	var nr *engine.NotRunningError
	switch {
	case errors.As(err, &nr):
		return checker.ExecResult{}, fmt.Errorf("exec in %s: %w", name, checker.ErrNotRunning)
	case err != nil:
		return checker.ExecResult{}, notFound(err)
	}
	return checker.ExecResult{ExitCode: code, Stdout: stdout.String(), Stderr: stderr.String()}, nil
}

func (d *Engine) ReadVolumeFile(ctx context.Context, name, path string) ([]byte, error) {
	v, err := d.e.InspectVolume(ctx, name)
	if err != nil {
		return nil, notFound(err)
	}
	p, err := securejoin.SecureJoin(v.Mountpoint, path)
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
