// Package shell runs a lesson's shell blocks (setup, solution, cleanup) and
// starts the student's interactive shell, both with `docker` meaning
// Dockyard: a private folder at the front of PATH holds a `docker` symlink
// (and a `dockyard` one) to the running binary, which acts as `dockyard
// docker` when called by that name.
package shell

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Bin is a folder of symlinks to the dockyard binary.
type Bin struct {
	// Dir holds `docker` and `dockyard`.
	Dir string
}

// NewBin creates the folder of symlinks to exe (os.Executable when empty).
// Close removes it.
func NewBin(exe string) (*Bin, error) {
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("find the dockyard binary: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "dockyard-bin-")
	if err != nil {
		return nil, fmt.Errorf("create the docker folder: %w", err)
	}
	for _, name := range []string{"docker", "docker-compose", "dockyard"} {
		if err := os.Symlink(exe, filepath.Join(dir, name)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("link %s: %w", name, err)
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Bin{Dir: dir}, nil
}

// Close removes the folder.
func (b *Bin) Close() error { return os.RemoveAll(b.Dir) }

// Env returns env (os.Environ when nil) with the folder first on PATH and
// extra variables (KEY=VALUE) added or replaced.
func (b *Bin) Env(env []string, extra ...string) []string {
	if env == nil {
		env = os.Environ()
	}
	path := os.Getenv("PATH")
	out := make([]string, 0, len(env)+len(extra)+1)
	replaced := map[string]bool{}
	for _, kv := range extra {
		replaced[key(kv)] = true
	}
	for _, kv := range env {
		switch k := key(kv); {
		case k == "PATH":
			path = strings.TrimPrefix(kv, "PATH=")
		case replaced[k]:
		default:
			out = append(out, kv)
		}
	}
	if path == "" {
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	out = append(out, "PATH="+b.Dir+string(os.PathListSeparator)+path)
	return append(out, extra...)
}

func key(kv string) string {
	k, _, _ := strings.Cut(kv, "=")
	return k
}

// Script is how to run one shell block.
type Script struct {
	// Source is the block's text.
	Source string
	// Dir is the working directory (the process's own when empty).
	Dir string
	// Env is the environment, PATH included (see Bin.Env).
	Env            []string
	Stdout, Stderr io.Writer
}

// Run runs the script with `bash -e`, so the first failing command stops
// it, and returns an error naming the exit status.
func Run(ctx context.Context, s Script) error {
	cmd := exec.CommandContext(ctx, "bash", "-e", "-c", s.Source)
	cmd.Dir, cmd.Env = s.Dir, s.Env
	cmd.Stdout, cmd.Stderr = s.Stdout, s.Stderr
	cmd.Stdin = nil
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("bash -e: %w", err)
	}
	return nil
}
