// Package backend chooses the engine checks read, from --engine and
// DOCKER_HOST, so `dockyard check` and `dockyard author test` agree:
//
//	--engine dockyard            Dockyard's own engine (the default)
//	--engine unix:///run/x.sock  any Docker Engine API endpoint (Docker, podman)
//	--engine tcp://host:2375     the same over TCP
//	(no flag, DOCKER_HOST set)   the endpoint in DOCKER_HOST
package backend

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/dockerapi"
)

// Dockyard names Dockyard's own engine in --engine.
const Dockyard = "dockyard"

// FlagUsage is the help text of an --engine flag.
const FlagUsage = `engine to check: "dockyard", or a Docker Engine API address such as unix:///run/podman/podman.sock (default: $DOCKER_HOST if set, else dockyard)`

// Resolve returns the engine --engine names: the flag's value, else
// DOCKER_HOST, else Dockyard.
func Resolve(flag string) string {
	if flag != "" {
		return flag
	}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return Dockyard
}

// ErrBadEngine is returned for an --engine value that names nothing.
var ErrBadEngine = errors.New("unknown engine")

// Open opens the engine spec names (see Resolve). Dockyard's own engine is
// opened by openDockyard, which the command supplies (it owns the state
// root and the engine's lifetime).
func Open(ctx context.Context, spec string, openDockyard func(context.Context) (checker.Engine, error)) (checker.Engine, error) {
	switch {
	case spec == Dockyard:
		if openDockyard == nil {
			return nil, fmt.Errorf("engine %q: this command cannot open Dockyard's engine", spec)
		}
		return openDockyard(ctx)
	case strings.HasPrefix(spec, "unix://"), strings.HasPrefix(spec, "tcp://"), strings.HasPrefix(spec, "http://"),
		strings.HasPrefix(spec, "https://"), strings.HasPrefix(spec, "ssh://"):
		e, err := dockerapi.Open(spec)
		if err != nil {
			return nil, err
		}
		return e, nil
	}
	return nil, fmt.Errorf("%w %q: use \"dockyard\" or a Docker Engine API address such as unix:///run/podman/podman.sock", ErrBadEngine, spec)
}
