// Package enginetest holds what the tests of the engine's front ends share:
// cleaning up a test's state root, the testscript command "code", and
// starting a Docker Engine API server in the test's process and waiting
// until a docker client answers it.
package enginetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// CleanupRoot removes every container a test left on root, so that no
// monitor, mount or cgroup outlives the test, and the root's bridges and
// nftables table.
func CleanupRoot(root string) error {
	ctx := context.Background()
	e, err := engine.Open(ctx, engine.Options{Root: root})
	if err != nil {
		return err
	}
	all, _ := e.Containers()
	for _, c := range all {
		_ = e.RemoveContainer(ctx, c.ID, true, true)
	}
	if err := e.ResetNetworks(ctx); err != nil {
		return fmt.Errorf("network teardown: %w", err)
	}
	return nil
}

// ExitCode is the script command "code N command args...": it runs the
// command and checks its exit code, keeping its output for stdout and
// stderr checks.
func ExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: code N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("code: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("code: %v", err)
		}
		got = ee.ExitCode()
	}
	if (got == want) == neg {
		ts.Fatalf("%s exited %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}

// DockerClient is the real docker client: $DOCKYARD_TEST_DOCKER, else the
// one .ci/setup installs, else docker on $PATH; "" when there is none.
func DockerClient() string {
	if p := os.Getenv("DOCKYARD_TEST_DOCKER"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/docker", "/usr/local/bin/docker"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	p, _ := exec.LookPath("docker")
	return p
}

// StartServer runs serve (a server on the unix socket sock, until its
// context ends) in the background and returns once the docker client
// answers `docker version` there, within 30 seconds. stop ends the server
// and returns what serve returned.
func StartServer(client, sock string, serve func(ctx context.Context) error) (stop func() error, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx) }()
	stop = func() error {
		cancel()
		return <-done
	}
	env := append(os.Environ(), "DOCKER_HOST=unix://"+sock, "DOCKER_CONFIG="+filepath.Join(filepath.Dir(sock), "config"))
	for deadline := time.Now().Add(30 * time.Second); ; {
		c := exec.Command(client, "version", "--format", "{{.Server.APIVersion}}")
		c.Env = env
		if out, err := c.Output(); err == nil && strings.TrimSpace(string(out)) != "" {
			return stop, nil
		}
		select {
		case err := <-done:
			cancel()
			return nil, fmt.Errorf("the server ended: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			_ = stop()
			return nil, fmt.Errorf("the server did not answer on %s", sock)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WriteImage stores img under tag in the image store of root, as a test's
// starting state (busybox:latest for the scripts).
func WriteImage(root string, img v1.Image, tag string) error {
	s, err := image.Open(root)
	if err != nil {
		return err
	}
	_, err = s.Write(context.Background(), img, tag)
	return err
}

// Buffer is a bytes.Buffer safe for a process's output written by one
// goroutine while a test reads it from another.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
