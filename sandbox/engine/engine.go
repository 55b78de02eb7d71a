// Package engine is the facade over Dockyard's sandbox: it opens the state
// root and joins the image, container, network and volume stores for the
// operations that need more than one of them (run resolves an image, joins a
// network and mounts volumes; rmi asks whether a container still uses the
// image). The CLI, the checker and the API server call the engine, never the
// stores' internals.
package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// Options configure an Engine.
type Options struct {
	// Root is the state root, e.g. /var/lib/dockyard.
	Root string
}

// Engine is one open state root.
type Engine struct {
	root string

	// images is the image store (<root>/images).
	images *image.Store
	// containers is the container store (<root>/containers).
	containers *container.Store

	reconcile coalesced // ReconcileNetworks
}

// ErrNeedsRoot is returned by Open when the process is not root.
var ErrNeedsRoot = errors.New("dockyard needs root: try sudo dockyard ...")

// Open prepares the state root and returns the engine on it.
func Open(ctx context.Context, opts Options) (*Engine, error) {
	if os.Geteuid() != 0 {
		return nil, ErrNeedsRoot
	}
	if opts.Root == "" {
		return nil, errors.New("engine: no state root given")
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("state root %s: %w", opts.Root, err)
	}
	if err := os.MkdirAll(root, 0o711); err != nil {
		return nil, fmt.Errorf("create state root: %w", err)
	}
	e := &Engine{root: root}
	if err := e.openImages(); err != nil {
		return nil, err
	}
	if err := e.openContainers(); err != nil {
		return nil, err
	}
	return e, nil
}

// Root returns the engine's state root.
func (e *Engine) Root() string { return e.root }

// Close releases what the engine holds open.
func (e *Engine) Close() error { return nil }
