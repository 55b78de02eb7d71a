// Package compose is `docker compose` (and `docker-compose`): it runs the
// real Docker Compose, built from its Go module by `make compose`
// (tools/compose) and installed beside dockyard as a Docker CLI plugin,
// with DOCKER_HOST at an Engine API socket of Dockyard's own. Everything
// Compose creates is ordinary Dockyard state.
package compose

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/apiserver"
)

// Plugin is the name of Compose's binary, a Docker CLI plugin.
const Plugin = "docker-compose"

// shellEnv is set in `dockyard shell` (cmd/learn.ShellEnv), whose
// DOCKER_HOST is already Dockyard's socket.
const shellEnv = "DOCKYARD_SHELL"

// Options are `docker compose`'s: its arguments go to Compose untouched.
type Options struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Args    []string
	// Binary is Compose's path; empty finds it beside dockyard.
	Binary string
}

// NewCmdCompose returns `docker compose`.
func NewCmdCompose(f *factory.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "compose [OPTIONS] COMMAND",
		Short: "Docker Compose (the real one, on Dockyard's engine)",
		// Compose parses its own flags, --help included.
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = globalFlags(f, args)
			if runF != nil {
				return runF(opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	return cmd
}

// Binary finds Compose beside the dockyard executable: bin/cli-plugins/
// in a build tree, ../lib/dockyard/cli-plugins/ when installed.
func Binary() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	dir := filepath.Dir(exe)
	for _, p := range []string{
		filepath.Join(dir, "cli-plugins", Plugin),
		filepath.Join(dir, "..", "lib", "dockyard", "cli-plugins", Plugin),
	} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	switch backgroundBuild() {
	case "running":
		return "", fmt.Errorf("docker compose: Docker Compose is still being built in the background (a few minutes on a new machine; log: %s): try again when it is done", buildLog)
	case "failed":
		return "", fmt.Errorf("docker compose: the background build of Docker Compose failed (log: %s): run make compose-install to try again", buildLog)
	}
	return "", errors.New("docker compose: Docker Compose is not installed beside dockyard: build it with make compose (see README)")
}

// buildLog is where `make learn` builds Compose in the background (the
// Makefile's COMPOSE_LOG); its last line is "done" or "failed" once the
// build ended.
var buildLog = "/var/log/dockyard-compose.log"

// backgroundBuild tells how a background build of Compose stands: "" (none
// was started), "running", "done" or "failed".
func backgroundBuild() string {
	b, err := os.ReadFile(buildLog)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	switch last := lines[len(lines)-1]; last {
	case "done", "failed":
		return last
	}
	return "running"
}

// Run runs Compose with opts.Args and returns its exit status as a
// StatusError when it fails.
func Run(ctx context.Context, opts *Options) error {
	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = Binary(); err != nil {
			return &factory.StatusError{Code: 1, Message: err.Error()}
		}
	}
	host := os.Getenv("DOCKER_HOST")
	if os.Getenv(shellEnv) == "" || host == "" {
		stop, h, err := serve(ctx, opts.Factory)
		if err != nil {
			return err
		}
		defer stop()
		host = h
	}
	cmd := exec.CommandContext(ctx, bin, opts.Args...)
	cmd.Env = composeEnv(os.Environ(), host)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = opts.IO.In, opts.IO.Out, opts.IO.ErrOut
	// Ctrl-C reaches Compose too (same process group): it stops what it
	// runs and exits, and the socket goes after it.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for s := range sigs {
			if cmd.Process != nil && s == syscall.SIGTERM {
				_ = cmd.Process.Signal(s)
			}
		}
	}()
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return &factory.StatusError{Code: exit.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("run Docker Compose: %w", err)
	}
	return nil
}

// composeEnv is the environment Compose runs with: DOCKER_HOST at
// Dockyard's socket, no other context, and the classic builder (Dockyard
// serves POST /build, not BuildKit's bake).
func composeEnv(env []string, host string) []string {
	out := make([]string, 0, len(env)+3)
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "COMPOSE_BAKE":
			continue
		}
		out = append(out, kv)
	}
	return append(out, "DOCKER_HOST="+host, "COMPOSE_BAKE=false")
}

// serve serves the Engine API on a socket of its own (root only, in a
// private directory) until stop, which removes it.
func serve(ctx context.Context, f *factory.Factory) (stop func(), host string, err error) {
	e, err := f.Engine(ctx)
	if err != nil {
		return nil, "", err
	}
	dir, err := os.MkdirTemp("", "dockyard-compose-")
	if err != nil {
		return nil, "", err
	}
	socket := filepath.Join(dir, "docker.sock")
	l, err := apiserver.Listen(apiserver.ListenOptions{Path: socket})
	if err != nil {
		os.RemoveAll(dir)
		return nil, "", err
	}
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = apiserver.New(e, apiserver.Options{Version: f.Version}).Serve(sctx, l)
	}()
	return func() { cancel(); <-done; os.RemoveAll(dir) }, "unix://" + socket, nil
}

// globalFlags takes dockyard's own flags (--root, --debug, --lang), which
// come before "docker compose" and which cobra leaves in the arguments of a
// command that parses none, and returns Compose's arguments.
func globalFlags(f *factory.Factory, args []string) []string {
	for len(args) > 0 {
		name, value, hasValue := strings.Cut(args[0], "=")
		switch name {
		case "--debug":
			f.Debug = true
			args = args[1:]
			continue
		case "--root", "--lang":
		default:
			return args
		}
		if !hasValue {
			if len(args) < 2 {
				return args
			}
			value, args = args[1], args[1:]
		}
		args = args[1:]
		if name == "--root" {
			f.Root = value
		} else {
			f.Lang = value
		}
	}
	return args
}
