package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/monitor"

	"github.com/dockyard-lab/dockyard/sandbox/scope"
)

// CreateOptions are what `docker create` and `docker run` say about a new
// container, parsed but not yet checked against the engine.
type CreateOptions struct {
	Image      string
	Name       string
	Cmd        []string // the arguments after the image
	Entrypoint *string  // --entrypoint; "" clears the image's
	Env        []string // -e and --env-file, in order
	WorkingDir string
	User       string
	Hostname   string
	Tty        bool
	OpenStdin  bool
	Labels     map[string]string

	AutoRemove bool
	Restart    container.RestartPolicy
	Resources  container.Resources
	ReadOnly   bool
	CapAdd     []string
	CapDrop    []string
	Privileged bool

	// Network is --network: "" (the default network), "none", "host" or a
	// network's name. Until a network hook is set, only "none" and "host"
	// exist and the default behaves as "none".
	Network string
	// Volumes and MountSpecs are -v and --mount as typed; MountResolver
	// turns them into Mounts.
	Volumes    []string
	MountSpecs []string
	// Mounts are resolved mounts, added to those of Volumes and MountSpecs.
	Mounts []container.Mount
	// PortBindings are -p, parsed ("80/tcp" -> host side).
	PortBindings map[string][]container.PortBinding
	// NetworkAliases are --network-alias; PublishAll is -P (every exposed
	// port on a random host port).
	NetworkAliases []string
	PublishAll     bool
	// Healthcheck is --health-* (or the API's Config.Healthcheck), merged
	// over the image's HEALTHCHECK; Test ["NONE"] is --no-healthcheck.
	Healthcheck *container.HealthConfig

	// Pull reports a missing image and pulls it ("Unable to find image
	// ... locally", then the pull's progress). Nil means a missing image is
	// an error.
	Pull func(ctx context.Context, ref string) (*image.Image, error)
}

// ErrPrivileged is returned for --privileged, which Dockyard refuses.
var ErrPrivileged = errors.New("--privileged is not available in Dockyard's sandbox: it would give the container full control of the host (use --cap-add for the one capability you need)")

// MountResolver turns -v and --mount values into mounts; the volume engine
// sets it. Without it only bind mounts of absolute host paths work.
var MountResolver func(ctx context.Context, e *Engine, volumes, mounts []string) ([]container.Mount, error)

func (e *Engine) resolveMounts(ctx context.Context, o CreateOptions) ([]container.Mount, error) {
	out := append([]container.Mount{}, o.Mounts...)
	if MountResolver != nil {
		ms, err := MountResolver(ctx, e, o.Volumes, o.MountSpecs)
		if err != nil {
			return nil, err
		}
		return append(out, ms...), nil
	}
	if len(o.MountSpecs) > 0 {
		return nil, errors.New("--mount is not available yet: use -v /host/path:/container/path")
	}
	for _, v := range o.Volumes {
		m, err := parseBind(v)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// parseBind reads -v /host/path:/container/path[:ro].
func parseBind(v string) (container.Mount, error) {
	parts := strings.Split(v, ":")
	if len(parts) < 2 || len(parts) > 3 || !strings.HasPrefix(parts[0], "/") || !strings.HasPrefix(parts[1], "/") {
		return container.Mount{}, fmt.Errorf("invalid volume specification: '%s' (use /host/path:/container/path[:ro])", v)
	}
	m := container.Mount{Type: "bind", Source: parts[0], Destination: parts[1]}
	if len(parts) == 3 {
		for _, opt := range strings.Split(parts[2], ",") {
			switch opt {
			case "ro":
				m.ReadOnly = true
			case "rw", "z", "Z":
			default:
				return container.Mount{}, fmt.Errorf("invalid volume specification: '%s': unknown option %q", v, opt)
			}
		}
	}
	if err := os.MkdirAll(m.Source, 0o755); err != nil {
		return container.Mount{}, fmt.Errorf("bind source %s: %w", m.Source, err)
	}
	return m, nil
}

// openContainers opens the container store and tells the image store which
// images are in use.
func (e *Engine) openContainers() error {
	s, err := container.Open(e.root)
	if err != nil {
		return fmt.Errorf("open engine: %w", err)
	}
	e.Containers = s
	if e.Images != nil {
		e.Images.SetInUse(func(imageID string) []string {
			all, err := s.List()
			if err != nil {
				return nil
			}
			var users []string
			for _, c := range all {
				if c.Spec.ImageID == imageID {
					users = append(users, c.ShortID())
				}
			}
			return users
		})
	}
	return nil
}

// CreateContainer checks the options, finds (or pulls) the image and
// records the new container. Nothing is left behind when it fails.
func (e *Engine) CreateContainer(ctx context.Context, o CreateOptions) (*container.Container, error) {
	if err := e.checkCreate(o); err != nil {
		return nil, err
	}
	o.Labels = e.lessonLabels(o.Labels)
	img, err := e.Images.Get(ctx, o.Image)
	if errors.Is(err, image.ErrNotFound) && o.Pull != nil && !isIDPrefix(o.Image) {
		img, err = o.Pull(ctx, o.Image)
	}
	if err != nil {
		return nil, err
	}
	mounts, err := e.resolveMounts(ctx, o)
	if err != nil {
		return nil, err
	}
	if mounts, err = e.withImageVolumes(ctx, img, mounts); err != nil {
		return nil, err
	}
	layers, err := e.Images.LayerDirs(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("prepare image %s: %w", o.Image, err)
	}
	if len(layers) == 0 {
		return nil, fmt.Errorf("image %s has no layers: it cannot be run", o.Image)
	}
	// While a lesson step is active, the container carries it (see
	// sandbox/scope).
	o.Labels = scope.Read(e.root).Apply(maps.Clone(o.Labels))
	spec := container.Spec{
		Name:      o.Name,
		Image:     o.Image,
		ImageID:   img.ID,
		LowerDirs: layers,
		Config:    mergeConfig(img.Config, o),
		Host: container.HostConfig{
			AutoRemove:   o.AutoRemove,
			Restart:      o.Restart,
			Resources:    o.Resources,
			ReadOnly:     o.ReadOnly,
			CapAdd:       o.CapAdd,
			CapDrop:      o.CapDrop,
			Mounts:       mounts,
			PortBindings: o.PortBindings,
		},
	}
	switch o.Network {
	case "", "default", "bridge", "none":
		spec.Host.NetworkMode = o.Network
		if o.Network == "" || o.Network == "default" {
			spec.Host.NetworkMode = "bridge"
		}
	case "host":
		spec.Host.NetworkMode = "host"
		spec.Host.NetNS = "host"
	default:
		spec.Host.NetworkMode = o.Network
	}
	c, err := e.Containers.Create(spec)
	if err != nil {
		return nil, err
	}
	netOpts := o
	if o.Network == "host" {
		// The host's network has nothing to publish: Docker keeps the
		// bindings in HostConfig and warns (CreateWarnings).
		netOpts.PortBindings, netOpts.PublishAll = nil, false
	}
	if o.Network == "none" && len(o.NetworkAliases) == 0 && len(o.PortBindings) == 0 && !o.PublishAll {
		// Nothing for the network store to record or check: the monitor's
		// hooks skip it too, and network connect/disconnect record a
		// configuration from the spec when they need one.
		return c, nil
	}
	if err := e.configureCreated(ctx, c, netOpts); err != nil {
		e.Containers.Delete(c.ID) //nolint:errcheck // the configuration error is the one to report
		return nil, err
	}
	return c, nil
}

// CreateWarnings are the warnings Docker's daemon returns with a created
// container for options it accepts but ignores; the CLI prints each as
// "WARNING: ...".
func CreateWarnings(o CreateOptions) []string {
	var w []string
	if o.Network == "host" && (len(o.PortBindings) > 0 || o.PublishAll) {
		w = append(w, "Published ports are discarded when using host network mode")
	}
	return w
}

func isIDPrefix(ref string) bool {
	ref = strings.TrimPrefix(ref, "sha256:")
	if len(ref) != 64 {
		return false
	}
	for _, r := range ref {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// checkCreate collects every problem with the options before anything is
// created, so that the student sees them all at once.
func (e *Engine) checkCreate(o CreateOptions) error {
	var problems []string
	if o.Privileged {
		problems = append(problems, ErrPrivileged.Error())
	}
	if o.AutoRemove && o.Restart.Name != "" && o.Restart.Name != "no" {
		problems = append(problems, "conflicting options: --restart and --rm (a container removed on exit cannot be restarted)")
	}
	switch o.Restart.Name {
	case "", "no", "always", "unless-stopped", "on-failure":
	default:
		problems = append(problems, fmt.Sprintf("invalid restart policy %q: use no, on-failure[:max-retries], always or unless-stopped", o.Restart.Name))
	}
	if _, err := container.Capabilities(o.CapAdd, o.CapDrop); err != nil {
		problems = append(problems, err.Error())
	}
	if o.Name != "" {
		if err := container.ValidateName(o.Name); err != nil {
			problems = append(problems, err.Error())
		}
	}
	if o.Resources.Memory > 0 && o.Resources.Memory < 6*1024*1024 {
		problems = append(problems, "Minimum memory limit allowed is 6MB")
	}
	if o.Image == "" {
		problems = append(problems, "no image given")
	}
	if o.WorkingDir != "" && !path.IsAbs(o.WorkingDir) {
		problems = append(problems, fmt.Sprintf("the working directory '%s' is invalid, it needs to be an absolute path", o.WorkingDir))
	}
	for _, env := range o.Env {
		if err := validateEnv(env); err != nil {
			problems = append(problems, err.Error())
		}
	}
	problems = append(problems, container.ValidateHealthConfig(o.Healthcheck)...)
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// validateEnv checks one -e or --env-file entry as Docker does: a variable
// needs a name, and no part of it may hold a NUL byte (the kernel's
// environment block could not carry it).
func validateEnv(env string) error {
	name, _, _ := strings.Cut(env, "=")
	if name == "" || strings.ContainsRune(env, 0) {
		return fmt.Errorf("invalid environment variable: %s", strings.ReplaceAll(env, "\x00", `\x00`))
	}
	return nil
}

// mergeConfig applies the user's options over the image's config, as
// Docker does: --entrypoint drops the image's Cmd, arguments replace it,
// -e overrides the image's variables.
func mergeConfig(cf *v1.ConfigFile, o CreateOptions) container.Config {
	var ic v1.Config
	if cf != nil {
		ic = cf.Config
	}
	c := container.Config{
		Entrypoint: ic.Entrypoint,
		Cmd:        ic.Cmd,
		Env:        mergeEnv(ic.Env, o.Env),
		WorkingDir: ic.WorkingDir,
		User:       ic.User,
		Hostname:   o.Hostname,
		Tty:        o.Tty,
		OpenStdin:  o.OpenStdin,
		StopSignal: ic.StopSignal,
		Labels:     map[string]string{},
	}
	for k, v := range ic.Labels {
		c.Labels[k] = v
	}
	for k, v := range o.Labels {
		c.Labels[k] = v
	}
	if len(c.Labels) == 0 {
		c.Labels = nil
	}
	for p := range ic.ExposedPorts {
		c.ExposedPorts = append(c.ExposedPorts, p)
	}
	if o.Entrypoint != nil {
		c.Entrypoint = nil
		if *o.Entrypoint != "" {
			c.Entrypoint = []string{*o.Entrypoint}
		}
		c.Cmd = nil
	}
	if len(o.Cmd) > 0 {
		c.Cmd = o.Cmd
	}
	if o.WorkingDir != "" {
		c.WorkingDir = o.WorkingDir
	}
	if o.User != "" {
		c.User = o.User
	}
	c.Healthcheck = mergeHealthcheck(ic.Healthcheck, o.Healthcheck)
	return c
}

// mergeHealthcheck applies the user's health check over the image's as
// Docker does (moby daemon/commit.go merge): unset fields keep the
// image's values.
func mergeHealthcheck(img *v1.HealthConfig, user *container.HealthConfig) *container.HealthConfig {
	var h container.HealthConfig
	if img != nil {
		h = container.HealthConfig{Test: img.Test, Interval: img.Interval, Timeout: img.Timeout, StartPeriod: img.StartPeriod, Retries: img.Retries}
	}
	if user != nil {
		if len(user.Test) > 0 {
			h.Test = user.Test
		}
		if user.Interval != 0 {
			h.Interval = user.Interval
		}
		if user.Timeout != 0 {
			h.Timeout = user.Timeout
		}
		if user.StartPeriod != 0 {
			h.StartPeriod = user.StartPeriod
		}
		if user.StartInterval != 0 {
			h.StartInterval = user.StartInterval
		}
		if user.Retries != 0 {
			h.Retries = user.Retries
		}
	}
	if len(h.Test) == 0 {
		return nil
	}
	return &h
}

// mergeEnv applies -e values over the image's: "K=V" sets, "K" alone takes
// the value from Dockyard's own environment (dropped when unset), as Docker.
// With no PATH from either, Docker's default PATH comes first, so that
// Config.Env shows the PATH the process gets.
func mergeEnv(base, user []string) []string {
	out := append([]string{}, base...)
	index := map[string]int{}
	for i, e := range out {
		k, _, _ := strings.Cut(e, "=")
		index[k] = i
	}

	for _, e := range user {
		k, _, hasValue := strings.Cut(e, "=")
		if !hasValue {
			v, ok := os.LookupEnv(k)
			if !ok {
				continue
			}
			e = k + "=" + v
		}
		if i, ok := index[k]; ok {
			out[i] = e
			continue
		}
		index[k] = len(out)
		out = append(out, e)
	}
	if _, ok := index["PATH"]; !ok {
		out = append([]string{container.DefaultPathEnv}, out...)
	}
	return out
}

// StartContainer starts a container under its monitor; see
// container.Store.Start.
func (e *Engine) StartContainer(ctx context.Context, ref string, opts container.StartOptions) (*container.Attachment, error) {
	return e.Containers.Start(ctx, ref, opts)
}

// RemoveContainer removes a container (a running one only with force).
// With volumes, its anonymous volumes go too (once volumes exist).
func (e *Engine) RemoveContainer(ctx context.Context, ref string, force, volumes bool) error {
	c, err := e.Containers.Get(ref)
	if d := (*container.DamagedError)(nil); errors.As(err, &d) && force {
		// Its record is unreadable: what is known is its id.
		c, err = &container.Container{ID: d.ID}, nil
	}
	if err != nil {
		return err
	}
	if err := e.Containers.Remove(ctx, c.ID, force); err != nil {
		return err
	}
	return e.ReleaseContainer(ctx, c, volumes)
}

// Reexec handles Dockyard re-executed as a container's init or monitor; it
// returns when the process is neither. Call it first in main and TestMain.
func Reexec() { monitor.Reexec() }
