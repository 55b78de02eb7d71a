package build

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	securejoin "github.com/cyphar/filepath-securejoin"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/renameio/v2"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// defaultShell is what shell-form RUN, CMD and ENTRYPOINT run under.
var defaultShell = []string{"/bin/sh", "-c"}

// historyComment marks history entries made by this builder, as BuildKit's
// "buildkit.dockerfile.v0" does.
const historyComment = "dockyard.dockerfile.v0"

// step runs one instruction against the stage's state.
func (r *run) step(ctx context.Context, st *state, c instructions.Command, title string) error {
	vars := st.args.with(envFrom(st.cfg.Config.Env))
	if ex, ok := c.(instructions.SupportsSingleWordExpansion); ok {
		if err := ex.Expand(func(w string) (string, error) { return r.expand(w, vars) }); err != nil {
			return fmt.Errorf("%s: %w", c.Name(), err)
		}
	}
	cfg := &st.cfg.Config
	switch c := c.(type) {
	case *instructions.RunCommand:
		return r.runStep(ctx, st, c, title)
	case *instructions.CopyCommand:
		return r.copyStep(ctx, st, copyArgs{SourcesAndDest: c.SourcesAndDest, from: c.From, chown: c.Chown, chmod: c.Chmod, text: c.String()}, title)
	case *instructions.AddCommand:
		return r.copyStep(ctx, st, copyArgs{SourcesAndDest: c.SourcesAndDest, chown: c.Chown, chmod: c.Chmod, add: true, text: c.String()}, title)
	case *instructions.WorkdirCommand:
		p := c.Path
		if !path.IsAbs(p) {
			base := cfg.WorkingDir
			if base == "" {
				base = "/"
			}
			p = path.Join(base, p)
		}
		cfg.WorkingDir = path.Clean(p)
		return r.workdirStep(ctx, st, title)
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			cfg.Env = setEnv(cfg.Env, kv.Key, kv.Value)
		}
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			val, has := "", false
			if kv.Value != nil {
				val, has = *kv.Value, true
			} else if v, ok := r.meta.Get(kv.Key); ok {
				val, has = v, true
			}
			if v, ok := r.opts.BuildArgs[kv.Key]; ok {
				val, has = v, true
				r.used[kv.Key] = true
			}
			if has {
				st.args.set(kv.Key, val)
			}
		}
		// ARG values reach later RUN steps' cache keys through their env.
		return nil
	case *instructions.LabelCommand:
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		for _, kv := range c.Labels {
			cfg.Labels[kv.Key] = kv.Value
		}
	case *instructions.ExposeCommand:
		if cfg.ExposedPorts == nil {
			cfg.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range c.Ports {
			words, err := r.lex.ProcessWords(p, vars)
			if err != nil {
				return err
			}
			for _, w := range words {
				// A range is every port in it, as BuildKit records it.
				ports, err := network.ParsePortRange(w)
				if err != nil {
					return fmt.Errorf("EXPOSE %s: %w", w, err)
				}
				for _, port := range ports {
					cfg.ExposedPorts[port.String()] = struct{}{}
				}
			}
		}
	case *instructions.VolumeCommand:
		if cfg.Volumes == nil {
			cfg.Volumes = map[string]struct{}{}
		}
		for _, v := range c.Volumes {
			if v == "" {
				return errors.New("VOLUME specified can not be an empty string")
			}
			cfg.Volumes[v] = struct{}{}
		}
	case *instructions.UserCommand:
		cfg.User = c.User
	case *instructions.CmdCommand:
		cfg.Cmd = r.commandLine(st, c.ShellDependantCmdLine)
		st.cmdSet = true
	case *instructions.EntrypointCommand:
		cfg.Entrypoint = r.commandLine(st, c.ShellDependantCmdLine)
		// Docker: ENTRYPOINT resets a CMD inherited from the base image.
		if !st.cmdSet {
			cfg.Cmd = nil
		}
	case *instructions.HealthCheckCommand:
		h := c.Health
		cfg.Healthcheck = &v1.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout, StartPeriod: h.StartPeriod, Retries: h.Retries}
	case *instructions.StopSignalCommand:
		cfg.StopSignal = c.Signal
	case *instructions.ShellCommand:
		cfg.Shell = c.Shell
	case *instructions.MaintainerCommand:
		st.cfg.Author = c.Maintainer
	case *instructions.OnbuildCommand:
		cfg.OnBuild = append(cfg.OnBuild, c.Expression)
	default:
		return fmt.Errorf("%s is not supported by Dockyard's builder", strings.ToUpper(c.Name()))
	}
	st.cfg.History = append(st.cfg.History, v1.History{
		Created: v1.Time{Time: historyTime(st.cfg)}, CreatedBy: historyText(c), Comment: historyComment, EmptyLayer: true,
	})
	b, _ := json.Marshal(st.cfg.Config)
	st.key = hashKey(st.key, string(b))
	return nil
}

func historyText(c instructions.Command) string {
	return c.(fmt.Stringer).String() + " # dockyard"
}

// commandLine turns a shell or exec form into argv.
func (r *run) commandLine(st *state, cl instructions.ShellDependantCmdLine) []string {
	if !cl.PrependShell {
		return append([]string(nil), cl.CmdLine...)
	}
	sh := st.cfg.Config.Shell
	if len(sh) == 0 {
		sh = defaultShell
	}
	return append(append([]string(nil), sh...), strings.Join(cl.CmdLine, " "))
}

// runStep runs a RUN instruction in a container; what it changes becomes a
// layer.
func (r *run) runStep(ctx context.Context, st *state, c *instructions.RunCommand, title string) error {
	v := r.p.vertex(title)
	if len(c.Files) > 0 {
		err := errors.New("RUN with a heredoc is not supported by Dockyard's builder; put the script in a file and COPY it")
		v.fail(err)
		return &Error{Step: title, Err: err}
	}
	if len(c.FlagsUsed) > 0 {
		err := fmt.Errorf("RUN --%s is not supported by Dockyard's builder", c.FlagsUsed[0])
		v.fail(err)
		return &Error{Step: title, Err: err}
	}
	args := r.commandLine(st, c.ShellDependantCmdLine)
	cfg := st.cfg.Config
	env := append([]string(nil), cfg.Env...)
	for _, k := range st.args.Keys() {
		if _, set := envFrom(cfg.Env).Get(k); !set {
			val, _ := st.args.Get(k)
			env = append(env, k+"="+val)
		}
	}
	if !hasEnv(env, "PATH") {
		env = append(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
	}
	argv, _ := json.Marshal(args)
	envb, _ := json.Marshal(env)
	key := hashKey(st.key, "run", string(argv), string(envb), cfg.User, cfg.WorkingDir)
	if r.cached(st, key, v) {
		return nil
	}

	lowers, err := r.lowerDirs(ctx, st)
	if err != nil {
		v.fail(err)
		return &Error{Step: title, Err: err}
	}
	if len(lowers) == 0 {
		err := fmt.Errorf("RUN needs a file system with the command in it, but this stage is FROM scratch with nothing added")
		v.fail(err)
		return &Error{Step: title, Err: err}
	}
	upper, err := r.b.newLayerDir("run-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(upper)
	code, err := r.b.Runner.Run(ctx, RunSpec{
		LowerDirs: lowers, UpperDir: upper, Args: args, Env: env,
		WorkingDir: cfg.WorkingDir, User: cfg.User, Mounts: r.opts.RunMounts, Output: v,
	})
	if err == nil && code != 0 {
		err = &RunError{Cmd: strings.Join(args, " "), ExitCode: code}
	}
	if err != nil {
		v.fail(err)
		fmt.Fprint(r.opts.Out, v.report())
		return &Error{Step: title, Err: err}
	}
	dropMountpoints(upper)
	if err := r.addLayer(st, upper, "RUN "+strings.Join(args, " ")+" # dockyard"); err != nil {
		v.fail(err)
		return &Error{Step: title, Err: err}
	}
	st.key = key
	if err := r.b.remember(key, st); err != nil {
		return err
	}
	v.done()
	return nil
}

func hasEnv(env []string, k string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, k+"=") {
			return true
		}
	}
	return false
}

// dropMountpoints removes the empty files a container runtime creates as
// mount points for the files it binds in (resolv.conf, hosts, hostname):
// they belong to the container, not to the image.
func dropMountpoints(upper string) {
	for _, f := range []string{"etc/resolv.conf", "etc/hosts", "etc/hostname"} {
		p := filepath.Join(upper, f)
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() && fi.Size() == 0 {
			os.Remove(p)
		}
	}
}

// newLayerDir makes an empty directory for a new layer in the cache. Its
// root is 0755: as the topmost layer of a later step it is the mode of /.
func (b *Builder) newLayerDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp(filepath.Join(b.CacheDir, "layers"), tempPrefix(prefix))
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.Remove(dir)
		return "", err
	}
	return dir, nil
}

// cached applies a cached step when there is one.
func (r *run) cached(st *state, key string, v *vertex) bool {
	if r.opts.NoCache {
		return false
	}
	rec, ok := r.b.lookup(key)
	if !ok {
		return false
	}
	st.layers = rec.Layers
	st.cfg = rec.Config
	st.key = key
	v.cached()
	return true
}

// addLayer packs dir as a layer into the cache and adds it to the state.
// dir is moved into the cache (it is a lower dir for later steps).
func (r *run) addLayer(st *state, dir, createdBy string) error {
	tmp := dir + ".tar.gz"
	l, err := LayerFromDir(dir, tmp, LayerOptions{})
	if err != nil {
		return err
	}
	id := l.Diff.String()
	if err := r.b.keepLayer(dir, l); err != nil {
		return err
	}
	st.layers = append(st.layers, id)
	st.cfg.History = append(st.cfg.History, v1.History{Created: v1.Time{Time: r.now()}, CreatedBy: createdBy, Comment: historyComment})
	return nil
}

// keepLayer moves a new layer's directory and tarball into the cache under
// its diff id, with its digests beside them. When the same content is
// there already (made before, or by a build running at the same time),
// the new copy is dropped.
func (b *Builder) keepLayer(dir string, l *FileLayer) error {
	id := l.Diff.String()
	meta, err := json.Marshal(l)
	if err != nil {
		return err
	}
	if _, err := os.Stat(b.layerMeta(id)); err == nil {
		os.Remove(l.Path)
		return nil
	}
	if err := os.Rename(dir, b.layerDir(id)); err != nil && !os.IsExist(err) && !errors.Is(err, syscall.ENOTEMPTY) {
		return fmt.Errorf("keep layer: %w", err)
	}
	if err := os.Rename(l.Path, b.layerFile(id)); err != nil {
		return fmt.Errorf("keep layer: %w", err)
	}
	// Written last: a layer counts as cached only once this exists.
	return renameio.WriteFile(b.layerMeta(id), meta, 0o600)
}

// workdirStep makes the working directory when the image lacks it.
func (r *run) workdirStep(ctx context.Context, st *state, title string) error {
	v := r.p.vertex(title)
	dir := st.cfg.Config.WorkingDir
	b, _ := json.Marshal(st.cfg.Config)
	key := hashKey(st.key, "workdir", string(b))
	if r.cached(st, key, v) {
		return nil
	}
	view, release, err := r.view(ctx, st)
	if err != nil {
		v.fail(err)
		return &Error{Step: title, Err: err}
	}
	statErr := errors.New("no such directory")
	if p, err := securejoin.SecureJoin(view, dir); err == nil {
		_, statErr = os.Stat(p)
	}
	if statErr == nil {
		release()
		st.cfg.History = append(st.cfg.History, v1.History{Created: v1.Time{Time: historyTime(st.cfg)}, CreatedBy: "WORKDIR " + dir + " # dockyard", Comment: historyComment, EmptyLayer: true})
	} else {
		layer, err := r.b.newLayerDir("workdir-")
		if err == nil {
			err = mirrorParents(view, layer, resolveIn(view, dir), true)
		}
		release()
		if err == nil {
			err = r.addLayer(st, layer, "WORKDIR "+dir+" # dockyard")
		}
		os.RemoveAll(layer)
		if err != nil {
			v.fail(err)
			return &Error{Step: title, Err: err}
		}
	}
	st.key = key
	if err := r.b.remember(key, st); err != nil {
		return err
	}
	v.done()
	return nil
}
