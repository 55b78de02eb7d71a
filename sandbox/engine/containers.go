package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/monitor"
	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
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

	// Network is --network, parsed at the edge (ParseNetworkMode); the
	// zero Mode is the default bridge.
	Network NetworkMode
	// Mounts are -v, --mount and --tmpfs (or the API's Binds and Mounts),
	// parsed at the edge (ParseMounts); the engine checks them and creates
	// the volumes they name.
	Mounts []volume.Spec
	// ExposedPorts are --expose and the image's EXPOSE ("80/tcp").
	ExposedPorts []string
	// PortBindings are -p, parsed ("80/tcp" -> host side).
	PortBindings map[string][]container.PortBinding
	// NetworkAliases are --network-alias; PublishAll is -P (every exposed
	// port on a random host port).
	NetworkAliases []string
	PublishAll     bool
	// CheckPorts (docker run) fails the create when a fixed host port is
	// held by a running container, so that run leaves no container behind.
	// Docker's create, and the API's, only record the ports: the start
	// finds a conflict (Compose's recreate creates the new container while
	// the old one still holds the port).
	CheckPorts bool
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

// ParseMounts parses -v and --mount values into mount specs, every bad
// value reported at once, as the CLI does before it asks the daemon.
func ParseMounts(vflags, mountFlags []string) ([]volume.Spec, error) {
	var specs []volume.Spec
	var problems []string
	for _, v := range vflags {
		s, err := volume.ParseVolume(v)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		specs = append(specs, s)
	}
	for _, m := range mountFlags {
		s, err := volume.ParseMount(m)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		specs = append(specs, s)
	}
	if len(problems) > 0 {
		return nil, Invalid(errors.New(strings.Join(problems, "; ")))
	}
	return specs, nil
}

// openContainers opens the container store and tells the image store which
// images are in use.
func (e *Engine) openContainers() error {
	s, err := container.Open(e.root)
	if err != nil {
		return fmt.Errorf("open engine: %w", err)
	}
	e.containers = s
	if e.images != nil {
		e.images.SetInUse(func(imageID string) []image.User {
			all, err := s.List()
			if err != nil {
				return nil
			}
			var users []image.User
			for _, c := range all {
				if c.Spec.ImageID == imageID {
					users = append(users, image.User{ID: c.ShortID(), Running: c.State.Status == container.Running || c.State.Status == container.Restarting})
				}
			}
			return users
		})
	}
	return nil
}

// CreateContainer checks the options, finds (or pulls) the image and
// records the new container. Nothing is left behind when it fails.
func (e *Engine) CreateContainer(ctx context.Context, o CreateOptions) (*container.Container, []string, error) {
	if o.Resources.PidsLimit != nil && *o.Resources.PidsLimit == 0 {
		// Docker's 0 is "not set" (the CLI always sends it): Dockyard's
		// default limit, not none.
		o.Resources.PidsLimit = nil
	}
	if err := e.checkCreate(o); err != nil {
		return nil, nil, err
	}
	o.Labels = e.lessonLabels(o.Labels)
	img, err := e.images.Get(ctx, o.Image)
	if errors.Is(err, image.ErrNotFound) && o.Pull != nil && !isIDPrefix(o.Image) {
		img, err = o.Pull(ctx, o.Image)
	}
	if err != nil {
		return nil, nil, err
	}
	mounts, err := e.resolveMounts(ctx, o.Mounts)
	if err != nil {
		return nil, nil, err
	}
	if mounts, err = e.withImageVolumes(ctx, img, mounts); err != nil {
		return nil, nil, err
	}
	layers, err := e.images.LayerDirs(ctx, img)
	if err != nil {
		return nil, nil, fmt.Errorf("prepare image %s: %w", o.Image, err)
	}
	if len(layers) == 0 {
		return nil, nil, Invalid(fmt.Errorf("image %s has no layers: it cannot be run", o.Image))
	}
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
			NetworkMode:  o.Network.Network(),
		},
	}
	if o.Network.IsHost() {
		spec.Host.NetNS = "host"
	}
	c, err := e.containers.Create(spec)
	if err != nil {
		return nil, nil, err
	}
	warnings := createWarnings(o)
	netOpts := o
	if o.Network.IsHost() {
		// The host's network has nothing to publish: Docker keeps the
		// bindings in HostConfig and warns.
		netOpts.PortBindings, netOpts.PublishAll = nil, false
	}
	if o.Network.IsNone() && len(o.NetworkAliases) == 0 && len(o.PortBindings) == 0 && !o.PublishAll {
		// No record is none (network.Config): nothing to check, and one
		// state write less for `run --network none`.
		return c, warnings, nil
	}
	if err := e.configureCreated(ctx, c, netOpts); err != nil {
		e.containers.Delete(c.ID) //nolint:errcheck // the configuration error is the one to report
		if errors.Is(err, network.ErrNotFound) {
			// Not a 404: Docker's CLI reads a 404 from create as a
			// missing image and pulls it.
			err = Invalid(err)
		}
		return nil, nil, err
	}
	return c, warnings, nil
}

// createWarnings are the warnings Docker's daemon returns with a created
// container for options it accepts but ignores; the CLI prints each as
// "WARNING: ...".
func createWarnings(o CreateOptions) []string {
	var w []string
	if o.Network.IsHost() && (len(o.PortBindings) > 0 || o.PublishAll) {
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
		problems = append(problems, "can't create 'AutoRemove' container with restart policy")
	}
	if err := checkRestart(o.Restart); err != nil {
		problems = append(problems, err.Error())
	}
	// Docker's daemon says it for a negative or too large value and
	// leaves a positive one under 0.01 to the kernel, which refuses its
	// quota at start: that is said here, before anything is made.
	if n, c := runtime.NumCPU(), o.Resources.NanoCPUs; c != 0 && (c < 1e7 || c > int64(n)*1e9) {
		problems = append(problems, fmt.Sprintf("range of CPUs is from 0.01 to %[1]d.00, as there are only %[1]d CPUs available", n))
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
		return Invalid(errors.New(strings.Join(problems, "; ")))
	}
	return nil
}

// checkRestart checks a restart policy in the words of Docker's daemon
// (api/types/container.ValidateRestartPolicy).
func checkRestart(p RestartPolicy) error {
	switch p.Name {
	case "", "no", "always", "unless-stopped":
		if p.MaximumRetryCount != 0 {
			msg := "invalid restart policy: maximum retry count can only be used with 'on-failure'"
			if p.MaximumRetryCount < 0 {
				msg += " and cannot be negative"
			}
			return errors.New(msg)
		}
	case "on-failure":
		if p.MaximumRetryCount < 0 {
			return errors.New("invalid restart policy: maximum retry count cannot be negative")
		}
	default:
		return fmt.Errorf("invalid restart policy: unknown policy '%s'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'", p.Name)
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
	published := make([]string, 0, len(o.PortBindings))
	for p := range o.PortBindings {
		published = append(published, p)
	}
	sort.Strings(published)
	// Published ports are exposed too, as Docker's CLI sends them.
	for _, p := range append(slices.Clone(o.ExposedPorts), published...) {
		if !slices.Contains(c.ExposedPorts, p) {
			c.ExposedPorts = append(c.ExposedPorts, p)
		}
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

// mergeEnv puts -e values before the image's variables they do not
// override, as Docker's daemon merges them: "K=V" sets, "K" alone takes the
// value from Dockyard's own environment (dropped when unset). With no PATH
// from either, Docker's default PATH comes first, so that Config.Env shows
// the PATH the process gets.
func mergeEnv(base, user []string) []string {
	var out []string
	index := map[string]int{}
	add := func(e string) {
		k, _, _ := strings.Cut(e, "=")
		if i, ok := index[k]; ok {
			out[i] = e
			return
		}
		index[k] = len(out)
		out = append(out, e)
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
		add(e)
	}
	for _, e := range base {
		if k, _, _ := strings.Cut(e, "="); !hasKey(index, k) {
			add(e)
		}
	}
	if !hasKey(index, "PATH") {
		// First, where the process's environment has it too.
		out = append([]string{container.DefaultPathEnv}, out...)
	}
	return out
}

func hasKey(m map[string]int, k string) bool {
	_, ok := m[k]
	return ok
}

// StartContainer starts a container under its monitor; see
// container.Store.Start.
func (e *Engine) StartContainer(ctx context.Context, ref string, opts container.StartOptions) (*container.Attachment, error) {
	return e.containers.Start(ctx, ref, opts)
}

// SpawnMonitor starts the monitor process of a container about to be
// created, for StartOptions.Monitor: `docker run` starts it first, so its
// start-up overlaps the create; see container.Store.SpawnMonitor.
func (e *Engine) SpawnMonitor(opts container.StartOptions) (*container.Monitor, error) {
	return e.containers.SpawnMonitor(opts)
}

// RemoveContainer removes a container (a running one only with force).
// With volumes, its anonymous volumes go too (once volumes exist).
func (e *Engine) RemoveContainer(ctx context.Context, ref string, force, volumes bool) error {
	c, err := e.containers.Get(ref)
	if d := (*container.DamagedError)(nil); errors.As(err, &d) && force {
		// Its record is unreadable: what is known is its id.
		c, err = &container.Container{ID: d.ID}, nil
	}
	if err != nil {
		return err
	}
	if err := e.containers.Remove(ctx, c.ID, force); err != nil {
		if r := (*container.RunningError)(nil); errors.As(err, &r) {
			r.Ref = ref // named as the caller named it, as moby does
		}
		return err
	}
	return e.ReleaseContainer(ctx, c, volumes)
}

// Reexec handles Dockyard re-executed as a container's init or monitor; it
// returns when the process is neither. Call it first in main and TestMain.
func Reexec() { monitor.Reexec() }
