package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/dockyard-lab/dockyard/sandbox/diskfull"
)

// Images is what the builder needs from the image store.
type Images interface {
	// Base returns the image ref names, pulling it (or baking it) first
	// when it is not in the store; progress goes to out.
	Base(ctx context.Context, ref string, out io.Writer) (Base, error)
	// LayerDirs returns the unpacked layers of the image with id, topmost
	// first, ready to be overlayfs lower directories.
	LayerDirs(ctx context.Context, id string) ([]string, error)
	// Write adds img to the store under tags and returns its id.
	Write(ctx context.Context, img v1.Image, tags ...string) (string, error)
}

// Base is an image a stage is built FROM.
type Base struct {
	ID    string // config digest
	Ref   string // the full reference it was found by
	Image v1.Image
}

// Runner runs one RUN step in a real container.
type Runner interface {
	// Run runs spec.Args in a container whose root is an overlay of
	// spec.LowerDirs with spec.UpperDir as its writable layer, and returns
	// the process's exit code.
	Run(ctx context.Context, spec RunSpec) (int, error)
}

// RunSpec is one RUN step's container.
type RunSpec struct {
	LowerDirs []string // topmost first
	// UpperDir is an empty directory on the state root's file system; what
	// the command changes lands there and becomes the step's layer.
	UpperDir   string
	Args       []string
	Env        []string
	WorkingDir string
	User       string
	// Mounts are bound into the container (Options.RunMounts); what is
	// written below them is in no layer.
	Mounts []Mount
	// Output receives the process's stdout and stderr.
	Output io.Writer
}

// Mount binds the host directory Source at Destination in a RUN step's
// container, read-write.
type Mount struct {
	Source, Destination string
}

// Options configure one build, as `docker build` takes them.
type Options struct {
	// ContextDir is the build context, a local directory.
	ContextDir string
	// Dockerfile is the Dockerfile's path; default ContextDir/Dockerfile.
	// "-" is not supported; read it yourself and use DockerfileData.
	Dockerfile     string
	DockerfileData []byte
	Tags           []string
	BuildArgs      map[string]string
	NoCache        bool
	Target         string
	// Labels are added to the final image (after the Dockerfile's own).
	Labels map[string]string
	// RunMounts are bound into every RUN step's container and are not part
	// of the step's cache key, as BuildKit's cache mounts: the lesson
	// images' bake shares one apt cache this way (sandbox/bake).
	RunMounts []Mount
	// Out receives the plain progress output.
	Out io.Writer
}

// Result is what a build made.
type Result struct {
	ID   string   // the image's id, "sha256:..."
	Tags []string // as given
}

// Builder builds Dockerfiles into an image store.
type Builder struct {
	Images Images
	Runner Runner
	// CacheDir holds the step cache and the layers it made; it must be on
	// the same file system as the container store (<root>/build-cache).
	CacheDir string
	// Now is the clock (for image timestamps); time.Now when nil.
	Now func() time.Time
}

// Error is a build failure: the message is Docker's "ERROR: ..." line.
type Error struct {
	Step string // the failing step, "[2/3] RUN make"
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// RunError is a RUN step whose process exited non-zero.
type RunError struct {
	Cmd      string
	ExitCode int
}

func (e *RunError) Error() string {
	return fmt.Sprintf("process %q did not complete successfully: exit code: %d", e.Cmd, e.ExitCode)
}

// Build runs the Dockerfile and writes the image under opts.Tags. A build
// that fills the disk fails with a *diskfull.Error inside its *Error,
// naming the state root.
func (b *Builder) Build(ctx context.Context, opts Options) (*Result, error) {
	res, err := b.build(ctx, opts)
	if diskfull.Is(err) {
		op := "building the image"
		if len(opts.Tags) > 0 {
			op = "building " + opts.Tags[0]
		}
		var be *Error
		if errors.As(err, &be) {
			be.Err = diskfull.Wrap(be.Err, op, filepath.Dir(b.CacheDir))
			return nil, be
		}
		return nil, diskfull.Wrap(err, op, filepath.Dir(b.CacheDir))
	}
	return res, err
}

func (b *Builder) build(ctx context.Context, opts Options) (*Result, error) {
	started := time.Now()
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	p := newProgress(opts.Out)
	ctxDir, err := filepath.Abs(opts.ContextDir)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(ctxDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("unable to prepare context: path %q not found", opts.ContextDir)
	}
	data := opts.DockerfileData
	dfName := "Dockerfile"
	if data == nil {
		dfPath := opts.Dockerfile
		if dfPath == "" {
			dfPath = filepath.Join(ctxDir, "Dockerfile")
		}
		dfName = filepath.Base(dfPath)
		v := p.vertex("[internal] load build definition from " + dfName)
		data, err = os.ReadFile(dfPath)
		if err != nil {
			err = fmt.Errorf("failed to read dockerfile: open %s: no such file or directory", dfName)
			v.fail(err)
			return nil, err
		}
		v.printf("transferring dockerfile: %dB", len(data))
		v.done()
	}
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("failed to parse %s: %w", dfName, err)
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return nil, fmt.Errorf("failed to parse %s: %w", dfName, err)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("failed to parse %s: file with no instructions", dfName)
	}

	ignore, err := readIgnore(ctxDir, p)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(b.CacheDir, "layers"), 0o700); err != nil {
		return nil, fmt.Errorf("build cache: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(b.CacheDir, "steps"), 0o700); err != nil {
		return nil, fmt.Errorf("build cache: %w", err)
	}
	use := b.useLock()
	if err := use.RLock(); err != nil {
		return nil, fmt.Errorf("lock build cache: %w", err)
	}
	defer use.Unlock()
	b.removeStale()

	r := &run{
		b: b, opts: opts, p: p, ctxDir: ctxDir, ignore: ignore,
		lex:    shell.NewLex(res.EscapeToken),
		stages: stages, done: map[int]*state{},
		used: map[string]bool{},
	}
	// Meta ARGs (before the first FROM) may be used in FROM lines and
	// re-declared inside stages.
	r.meta = newEnv()
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			val := ""
			if kv.Value != nil {
				val, err = r.expand(*kv.Value, r.meta)
				if err != nil {
					return nil, err
				}
			}
			if v, ok := opts.BuildArgs[kv.Key]; ok {
				val = v
				r.used[kv.Key] = true
			}
			r.meta.set(kv.Key, val)
		}
	}

	target := len(stages) - 1
	if opts.Target != "" {
		target = -1
		for i, s := range stages {
			if strings.EqualFold(s.Name, opts.Target) {
				target = i
			}
		}
		if target < 0 {
			return nil, fmt.Errorf("failed to solve: target stage %q could not be found", opts.Target)
		}
	}
	st, err := r.stage(ctx, target)
	if err != nil {
		return nil, err
	}
	for k := range opts.BuildArgs {
		if !r.used[k] {
			fmt.Fprintf(opts.Out, "[Warning] One or more build-args [%s] were not consumed\n", k)
		}
	}
	out, err := r.export(ctx, st)
	if err != nil {
		return nil, err
	}
	// The image is made; a record that cannot be written only leaves the
	// build checks of a lesson without it.
	if err := r.writeLast(out, started); err != nil {
		fmt.Fprintf(opts.Out, "[Warning] could not record the build in %s: %v\n", lastBuildFile, err)
	}
	return out, nil
}

// stageNamed finds an earlier stage by name (case-insensitive), as FROM
// refers to one.
func (r *run) stageNamed(name string, before int) int {
	for i := 0; i < before; i++ {
		if r.stages[i].Name != "" && strings.EqualFold(r.stages[i].Name, name) {
			return i
		}
	}
	return -1
}

// stageIndex finds an earlier stage by name (case-insensitive) or number,
// as COPY --from refers to one.
func (r *run) stageIndex(name string, before int) int {
	for i := 0; i < before; i++ {
		if strings.EqualFold(r.stages[i].Name, name) || fmt.Sprint(i) == name {
			return i
		}
	}
	return -1
}

// stage builds stage i (and, first, the stages it needs), once.
func (r *run) stage(ctx context.Context, i int) (*state, error) {
	if st, ok := r.done[i]; ok {
		return st, nil
	}
	s := r.stages[i]
	baseName, err := r.expand(s.BaseName, r.meta)
	if err != nil {
		return nil, err
	}
	var st *state
	shown := displayBase(baseName)
	if j := r.stageNamed(baseName, i); j >= 0 {
		shown = baseName
		parent, err := r.stage(ctx, j)
		if err != nil {
			return nil, err
		}
		st = parent.clone()
	}
	// Stages this one copies from are built first, so their output does
	// not interleave with this stage's steps.
	for _, c := range s.Commands {
		if cp, ok := c.(*instructions.CopyCommand); ok && cp.From != "" {
			if j := r.stageIndex(cp.From, i); j >= 0 {
				if _, err := r.stage(ctx, j); err != nil {
					return nil, err
				}
			}
		}
	}
	name := s.Name
	if name == "" && len(r.stages) > 1 {
		name = fmt.Sprintf("stage-%d", i)
	}
	steps := 1
	for _, c := range s.Commands {
		if numbered(c) {
			steps++
		}
	}
	label := func(n int) string {
		if len(r.stages) > 1 {
			return fmt.Sprintf("[%s %d/%d]", name, n, steps)
		}
		return fmt.Sprintf("[%d/%d]", n, steps)
	}

	v := r.p.vertex(label(1) + " FROM " + shown)
	if st == nil {
		st, err = r.from(ctx, baseName, v)
		if err != nil {
			v.fail(err)
			return nil, &Error{Step: label(1) + " FROM " + baseName, Err: err}
		}
	}
	v.done()
	st.args = newEnv()
	n := 1
	for _, c := range s.Commands {
		title := ""
		if numbered(c) {
			n++
			title = label(n) + " " + c.(fmt.Stringer).String()
		}
		if err := r.step(ctx, st, c, title); err != nil {
			return nil, err
		}
	}
	r.done[i] = st
	return st, nil
}

// numbered reports whether a command is a vertex of its own in the
// progress output (BuildKit shows only the steps that touch files).
func numbered(c instructions.Command) bool {
	switch c.(type) {
	case *instructions.RunCommand, *instructions.CopyCommand, *instructions.AddCommand, *instructions.WorkdirCommand:
		return true
	}
	return false
}

func displayBase(name string) string {
	if name == "scratch" {
		return name
	}
	return normalize(name)
}

// from starts a stage's state from an image or scratch.
func (r *run) from(ctx context.Context, name string, v *vertex) (*state, error) {
	if name == "scratch" {
		cfg := &v1.ConfigFile{Architecture: goarch(), OS: "linux"}
		cfg.Config.Env = nil
		return &state{base: empty.Image, cfg: cfg, key: hashKey("from", "scratch")}, nil
	}
	if name == "" {
		return nil, errors.New("base name (FROM) cannot be empty")
	}
	base, err := r.b.Images.Base(ctx, name, v)
	if err != nil {
		return nil, err
	}
	cfg, err := base.Image.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config of %s: %w", name, err)
	}
	return &state{baseID: base.ID, base: base.Image, cfg: cfg.DeepCopy(), key: hashKey("from", base.ID)}, nil
}

// run is one build in progress.
type run struct {
	b      *Builder
	opts   Options
	p      *progress
	ctxDir string
	ignore *ignorer
	lex    *shell.Lex
	stages []instructions.Stage
	done   map[int]*state
	meta   *env
	used   map[string]bool // build args consumed
}

func (r *run) expand(word string, e shell.EnvGetter) (string, error) {
	out, _, err := r.lex.ProcessWord(word, e)
	return out, err
}

func (r *run) now() time.Time {
	if r.b.Now != nil {
		return r.b.Now().UTC()
	}
	return time.Now().UTC()
}
