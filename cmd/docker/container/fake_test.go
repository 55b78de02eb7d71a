package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	mobycontainer "github.com/moby/moby/api/types/container"
	imagetypes "github.com/moby/moby/api/types/image"
	apinet "github.com/moby/moby/api/types/network"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// fakeEngine is an engine in memory for the commands' own logic: it lists,
// inspects and removes its containers, and remembers what it was asked.
type fakeEngine struct {
	containers []*engine.Container
	damaged    []error
	listed     []engine.ListOptions
	removed    []string // "ref force volumes"
}

func (f *fakeEngine) ListContainers(_ context.Context, o engine.ListOptions) ([]*engine.Container, error) {
	f.listed = append(f.listed, o)
	if err := o.Filters.Validate("name"); err != nil {
		return nil, err
	}
	var out []*engine.Container
	for _, c := range f.containers {
		if (o.All || c.State.Status == engine.Running) && o.Filters.Any("name", func(v string) bool { return v == c.Name }) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeEngine) DamagedContainers() ([]error, error) { return f.damaged, nil }

func (f *fakeEngine) find(ref string) (*engine.Container, error) {
	for _, c := range f.containers {
		if c.Name == ref || c.ID == ref {
			return c, nil
		}
	}
	return nil, engine.Missing(fmt.Errorf("No such container: %s", ref))
}

func (f *fakeEngine) RemoveContainer(_ context.Context, ref string, force, volumes bool) error {
	c, err := f.find(ref)
	if err != nil {
		return err
	}
	if c.State.Status == engine.Running && !force {
		return engine.Conflicting(fmt.Errorf("cannot remove container %q: container is running: stop the container before removing or force remove", ref))
	}
	f.removed = append(f.removed, fmt.Sprint(ref, " ", force, " ", volumes))
	return nil
}

func (f *fakeEngine) InspectContainer(ref string) (*engine.ContainerJSON, error) {
	c, err := f.find(ref)
	if err != nil {
		return nil, err
	}
	r := &mobycontainer.InspectResponse{ID: c.ID, Name: "/" + c.Name, State: &mobycontainer.State{Status: mobycontainer.ContainerState(c.State.Status), Pid: c.State.Pid}}
	return &engine.ContainerJSON{InspectResponse: r, NetworkSettings: &engine.NetworkSettings{}}, nil
}

var errNotHere = errors.New("not in the fake")

func (f *fakeEngine) InspectImage(context.Context, string) (imagetypes.InspectResponse, error) {
	return imagetypes.InspectResponse{}, engine.Missing(errNotHere)
}

func (f *fakeEngine) InspectNetwork(context.Context, string) (apinet.Inspect, error) {
	return apinet.Inspect{}, engine.Missing(errNotHere)
}

func (f *fakeEngine) InspectVolume(context.Context, string) (*engine.Volume, error) {
	return nil, engine.Missing(errNotHere)
}

// execute runs one command line of cmd (built on a test factory whose
// streams are buffers) and returns what it printed.
func execute(cmd func(f *factory.Factory) *cobra.Command, args ...string) (stdout, stderr string, err error) {
	ios, _, out, errOut := iostreams.Test()
	f := factory.New("test")
	f.IOStreams = ios
	c := cmd(f)
	c.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	c.SetOut(io.Discard)
	c.SetErr(io.Discard)
	err = c.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// testContainers are one running and one exited container.
func testContainers(now time.Time) []*engine.Container {
	return []*engine.Container{
		{ID: strings.Repeat("a", 64), Name: "web", Created: now.Add(-time.Hour),
			Spec:  engine.ContainerSpec{Image: "nginx", Config: container.Config{Cmd: []string{"nginx", "-g", "daemon off;"}}},
			State: container.State{Status: engine.Running, Pid: 42, StartedAt: now.Add(-time.Minute)}},
		{ID: strings.Repeat("b", 64), Name: "job", Created: now.Add(-2 * time.Hour),
			Spec:  engine.ContainerSpec{Image: "busybox", Config: container.Config{Cmd: []string{"true"}}},
			State: container.State{Status: engine.Exited, ExitCode: 3, FinishedAt: now.Add(-30 * time.Minute)}},
	}
}
