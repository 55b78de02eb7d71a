package backend_test

import (
	"context"
	"errors"
	"testing"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/backend"
	"github.com/dockyard-lab/dockyard/checker/dockerapi"
	"github.com/dockyard-lab/dockyard/checker/fake"
)

func TestResolve(t *testing.T) {
	tests := []struct{ flag, dockerHost, want string }{
		{"", "", "dockyard"},
		{"", "unix:///run/podman/podman.sock", "unix:///run/podman/podman.sock"},
		{"dockyard", "unix:///run/podman/podman.sock", "dockyard"},
		{"tcp://127.0.0.1:2375", "", "tcp://127.0.0.1:2375"},
	}
	for _, tt := range tests {
		t.Setenv("DOCKER_HOST", tt.dockerHost)
		if got := backend.Resolve(tt.flag); got != tt.want {
			t.Errorf("Resolve(%q) with DOCKER_HOST=%q = %q, want %q", tt.flag, tt.dockerHost, got, tt.want)
		}
	}
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	f := &fake.Engine{}
	e, err := backend.Open(ctx, "dockyard", func(context.Context) (checker.Engine, error) { return f, nil })
	if err != nil || e != f {
		t.Errorf("Open(dockyard) = %v, %v, want the Dockyard opener's engine", e, err)
	}
	e, err = backend.Open(ctx, "unix:///nonexistent.sock", nil)
	if _, ok := e.(*dockerapi.Engine); !ok || err != nil {
		t.Errorf("Open(unix://...) = %T, %v, want a *dockerapi.Engine", e, err)
	}
	if _, err := backend.Open(ctx, "podman", nil); !errors.Is(err, backend.ErrBadEngine) {
		t.Errorf("Open(podman) error = %v, want ErrBadEngine", err)
	}
	// An unreachable endpoint opens (the client connects lazily) and every
	// check then reports status error naming the engine.
	rep := checker.Evaluate(ctx, checker.Env{Engine: e, NoRetry: true},
		checker.ParseAll([]checker.Block{{Source: "container: web", File: "l.md"}}))
	if rep.Status != checker.Error {
		t.Errorf("check on an unreachable engine = %s %q, want error", rep.Status, rep.Tests[0].Message)
	}
}
