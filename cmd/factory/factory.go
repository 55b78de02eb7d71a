// Package factory builds the dependencies that commands share (streams, the
// engine, settings) once, lazily, so a command only pays for what it uses.
// It follows the GitHub CLI's cmdutil.Factory.
package factory

import (
	"context"
	"os"

	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// DefaultRoot is where the engine keeps its state unless told otherwise.
const DefaultRoot = "/var/lib/dockyard"

// Factory hands commands what they need.
type Factory struct {
	IOStreams *iostreams.IOStreams

	// Root is the engine's state root (--root, else $DOCKYARD_ROOT, else DefaultRoot).
	Root string
	// Debug shows full error chains (--debug).
	Debug bool
	// Lang is the language of messages meant for students: "en" or "ko".
	Lang string
	// MessageLang, when set, is the language the command line's own
	// errors (an unknown command or flag, a missing argument) are printed
	// in outside `dockyard docker`: the language its help speaks.
	MessageLang func() string

	// Version is the build's version string.
	Version string

	engine *engine.Engine
}

// Engine opens the engine on Root the first time it is asked for. It fails
// with a clear message when the process is not root.
func (f *Factory) Engine(ctx context.Context) (*engine.Engine, error) {
	if f.engine != nil {
		return f.engine, nil
	}
	e, err := engine.Open(ctx, engine.Options{Root: f.Root})
	if err != nil {
		return nil, err
	}
	f.engine = e
	return e, nil
}

// New returns a Factory on the process's own streams.
func New(version string) *Factory {
	root := os.Getenv("DOCKYARD_ROOT")
	if root == "" {
		root = DefaultRoot
	}
	return &Factory{IOStreams: iostreams.System(), Root: root, Version: version}
}

// EngineAs is f.Engine seen through the small interface T that a command
// declares for what it asks of the engine, so that its options can hold a
// fake in tests. as is usually func(e *engine.Engine) T { return e }, which
// the compiler checks.
func EngineAs[T any](f *Factory, as func(*engine.Engine) T) func(context.Context) (T, error) {
	return func(ctx context.Context) (T, error) {
		e, err := f.Engine(ctx)
		if err != nil {
			var zero T
			return zero, err
		}
		return as(e), nil
	}
}
