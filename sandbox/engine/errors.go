package engine

import (
	"errors"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/idindex"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// Kind is what an engine error means to a front end, as Docker's errdefs:
// the CLI prints and exits by it (cmd/cli), the API server answers with its
// HTTP status (sandbox/apiserver).
type Kind int

// The kinds of engine errors.
const (
	// Fault is the engine's own failure (a file system or system call
	// under the state root, a port the host already uses): HTTP 500.
	Fault Kind = iota
	// NotFound is an unknown container, image, network or volume: 404.
	NotFound
	// Conflict is a name in use, an object still in use or in the wrong
	// state: 409.
	Conflict
	// InvalidArgument is a request the caller must fix (an id prefix
	// that names several objects among them, as Docker's daemon): 400.
	InvalidArgument
)

// kindError gives err a kind.
type kindError struct {
	kind Kind
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }

// Invalid marks err as the caller's to fix (a bad option or filter).
func Invalid(err error) error { return &kindError{InvalidArgument, err} }

// Conflicting marks err as a conflict with the engine's state.
func Conflicting(err error) error { return &kindError{Conflict, err} }

// Missing marks err as an unknown object.
func Missing(err error) error { return &kindError{NotFound, err} }

// KindOf decides what err means, from the marks above and the stores'
// typed errors; an error of no known kind is the engine's fault.
func KindOf(err error) Kind {
	var ke *kindError
	if errors.As(err, &ke) {
		return ke.kind
	}
	var (
		nameInUse *container.NameInUseError
		running   *container.RunningError
		notRun    *container.NotRunningError
		imgConf   *image.ConflictError
		badRef    *image.InvalidReferenceError
		ambiguous *idindex.AmbiguousError
	)
	switch {
	case errors.Is(err, container.ErrNotFound), errors.Is(err, image.ErrNotFound),
		errors.Is(err, network.ErrNotFound), errors.Is(err, volume.ErrNotFound):
		return NotFound
	case errors.As(err, &nameInUse), errors.As(err, &running), errors.As(err, &notRun),
		errors.As(err, &imgConf), errors.Is(err, network.ErrExists), errors.Is(err, network.ErrInUse),
		errors.Is(err, volume.ErrInUse):
		return Conflict
	case errors.As(err, &badRef), errors.As(err, &ambiguous), errors.Is(err, ErrPrivileged),
		errors.Is(err, volume.ErrInvalidName), errors.Is(err, network.ErrAmbiguous):
		return InvalidArgument
	}
	return Fault
}
