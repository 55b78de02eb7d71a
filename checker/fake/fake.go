// Package fake is an in-memory checker.Engine for tests: objects are plain
// values put in its maps; exec runs a handler; dials go to the host.
package fake

import (
	"context"
	"fmt"
	"net"
	"path"
	"slices"
	"sync"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/sandbox/imageref"
)

// Engine holds the state a test sets up. The zero value is empty and ready.
type Engine struct {
	mu         sync.Mutex
	images     map[string]checker.Image // by reference (repo:tag) and id
	containers []checker.Container
	networks   map[string]checker.Network
	volumes    map[string]checker.Volume
	files      map[string]map[string]string // volume -> path -> content
	// ExecHandler answers Exec; nil makes every exec exit 0 with no output.
	ExecHandler func(container string, cmd []string, user string) checker.ExecResult
	// Dials records the container each Dial came from.
	Dials []string
	// Err, when set, is returned by every call, as an unreachable engine would.
	Err error
	// VM is the last VM run LastVMRun reports; nil when none has run.
	VM *checker.VMRun
	// Build is the last build LastBuild reports; nil when none has finished.
	Build *checker.Build
}

var _ checker.Engine = (*Engine)(nil)

// AddImage stores img under every one of its tags and its id.
func (e *Engine) AddImage(img checker.Image) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.images == nil {
		e.images = map[string]checker.Image{}
	}
	for _, t := range img.Tags {
		e.images[normal(t)] = img
	}
	e.images[img.ID] = img
}

// AddContainer stores c (status defaults to running) and attaches it to its
// networks' member lists.
func (e *Engine) AddContainer(c checker.Container) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if c.Status == "" {
		c.Status = "running"
	}
	if c.ID == "" {
		c.ID = fmt.Sprintf("%064x", len(e.containers)+1)
	}
	e.containers = append(e.containers, c)
	for _, ep := range c.Networks {
		if n, ok := e.networks[ep.Network]; ok {
			n.Containers = append(n.Containers, c.Name)
			e.networks[ep.Network] = n
		}
	}
}

// AddNetwork stores n.
func (e *Engine) AddNetwork(n checker.Network) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.networks == nil {
		e.networks = map[string]checker.Network{}
	}
	e.networks[n.Name] = n
}

// AddVolume stores v with files (path relative to the volume's root ->
// content).
func (e *Engine) AddVolume(v checker.Volume, files map[string]string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.volumes == nil {
		e.volumes = map[string]checker.Volume{}
		e.files = map[string]map[string]string{}
	}
	e.volumes[v.Name] = v
	e.files[v.Name] = files
}

// RemoveContainer forgets the container called name.
func (e *Engine) RemoveContainer(name string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.containers = slices.DeleteFunc(e.containers, func(c checker.Container) bool { return c.Name == name })
}

// normal makes "busybox" and "busybox:latest" one key.
func normal(ref string) string {
	r, err := imageref.ParseNormalized(ref)
	if err != nil {
		return ref
	}
	return r.WithDefaultTag().String()
}

func notFound(what, name string) error {
	return fmt.Errorf("no such %s: %s: %w", what, name, checker.ErrNotFound)
}

func (e *Engine) Image(_ context.Context, ref string) (*checker.Image, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.Err != nil {
		return nil, e.Err
	}
	if img, ok := e.images[normal(ref)]; ok {
		return &img, nil
	}
	if img, ok := e.images[ref]; ok {
		return &img, nil
	}
	return nil, notFound("image", ref)
}

func (e *Engine) Container(_ context.Context, name string) (*checker.Container, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.Err != nil {
		return nil, e.Err
	}
	for _, c := range e.containers {
		if c.Name == name || c.ID == name {
			return &c, nil
		}
	}
	return nil, notFound("container", name)
}

func (e *Engine) Containers(context.Context) ([]checker.Container, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.Err != nil {
		return nil, e.Err
	}
	return slices.Clone(e.containers), nil
}

func (e *Engine) Network(_ context.Context, name string) (*checker.Network, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.Err != nil {
		return nil, e.Err
	}
	if n, ok := e.networks[name]; ok {
		return &n, nil
	}
	return nil, notFound("network", name)
}

func (e *Engine) Volume(_ context.Context, name string) (*checker.Volume, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.Err != nil {
		return nil, e.Err
	}
	if v, ok := e.volumes[name]; ok {
		return &v, nil
	}
	return nil, notFound("volume", name)
}

func (e *Engine) Images(context.Context) ([]string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, img := range e.images {
		out = append(out, img.Tags...)
	}
	slices.Sort(out)
	return slices.Compact(out), e.Err
}

func (e *Engine) Networks(context.Context) ([]string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for n := range e.networks {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, e.Err
}

func (e *Engine) Volumes(context.Context) ([]string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for n := range e.volumes {
		out = append(out, n)
	}
	slices.Sort(out)
	return out, e.Err
}

func (e *Engine) running(name string) error {
	for _, c := range e.containers {
		if c.Name == name || c.ID == name {
			if c.Status != "running" {
				return fmt.Errorf("container %s: %w", name, checker.ErrNotRunning)
			}
			return nil
		}
	}
	return notFound("container", name)
}

// Exec answers with ExecHandler; a handler that takes longer than ctx
// allows is abandoned, as a real exec would be.
func (e *Engine) Exec(ctx context.Context, container string, cmd []string, user string) (checker.ExecResult, error) {
	e.mu.Lock()
	err := e.Err
	if err == nil {
		err = e.running(container)
	}
	h := e.ExecHandler
	e.mu.Unlock()
	if err != nil {
		return checker.ExecResult{}, err
	}
	if h == nil {
		return checker.ExecResult{}, nil
	}
	done := make(chan checker.ExecResult, 1)
	go func() { done <- h(container, cmd, user) }()
	select {
	case res := <-done:
		return res, nil
	case <-ctx.Done():
		return checker.ExecResult{}, fmt.Errorf("exec in %s: %w", container, ctx.Err())
	}
}

func (e *Engine) ReadVolumeFile(_ context.Context, volume, p string) ([]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.Err != nil {
		return nil, e.Err
	}
	files, ok := e.files[volume]
	if !ok {
		return nil, notFound("volume", volume)
	}
	data, ok := files[path.Clean("/" + p)[1:]]
	if !ok {
		return nil, notFound("file", p)
	}
	return []byte(data), nil
}

// Dial connects from the host and records which container it stood for.
func (e *Engine) Dial(ctx context.Context, container, network, addr string) (net.Conn, error) {
	e.mu.Lock()
	err := e.Err
	if err == nil {
		err = e.running(container)
	}
	e.Dials = append(e.Dials, container)
	e.mu.Unlock()
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// Quizzes is recorded quiz answers: id -> right (true) or wrong (false).
type Quizzes map[string]bool

// QuizAnswer implements checker.Quizzes.
func (q Quizzes) QuizAnswer(id string) (answered, correct bool, err error) {
	correct, answered = q[id]
	return answered, correct, nil
}

// LastVMRun returns e.VM, or not found when it is nil.
func (e *Engine) LastVMRun(context.Context) (*checker.VMRun, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.Err != nil {
		return nil, e.Err
	}
	if e.VM == nil {
		return nil, notFound("vm run", "last-run")
	}
	vm := *e.VM
	return &vm, nil
}

// LastBuild returns e.Build, or not found when it is nil.
func (e *Engine) LastBuild(context.Context) (*checker.Build, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.Err != nil {
		return nil, e.Err
	}
	if e.Build == nil {
		return nil, notFound("build", "last")
	}
	b := *e.Build
	return &b, nil
}
