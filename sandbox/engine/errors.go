package engine

import (
	"errors"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/errdefs"
	"github.com/dockyard-lab/dockyard/sandbox/idindex"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// Kind is what an engine error means to a front end, as Docker's errdefs:
// the CLI prints and exits by it (cmd/cli), the API server answers with its
// HTTP status (sandbox/apiserver). It is errdefs.Kind, which a failed
// start also carries across the monitor's protocol.
type Kind = errdefs.Kind

// The kinds of engine errors (see errdefs).
const (
	Fault           = errdefs.Fault
	NotFound        = errdefs.NotFound
	Conflict        = errdefs.Conflict
	InvalidArgument = errdefs.InvalidArgument
)

// Invalid marks err as the caller's to fix (a bad option or filter).
func Invalid(err error) error { return errdefs.Mark(InvalidArgument, err) }

// Conflicting marks err as a conflict with the engine's state.
func Conflicting(err error) error { return errdefs.Mark(Conflict, err) }

// Missing marks err as an unknown object.
func Missing(err error) error { return errdefs.Mark(NotFound, err) }

// KindOf decides what err means, from the marks above (a failed start
// carries its own) and the stores' typed errors; an error of no known
// kind is the engine's fault.
func KindOf(err error) Kind {
	if k, ok := errdefs.Of(err); ok {
		return k
	}
	var (
		start     *container.StartError
		nameInUse *container.NameInUseError
		running   *container.RunningError
		notRun    *container.NotRunningError
		imgConf   *image.ConflictError
		badRef    *image.InvalidReferenceError
		ambiguous *idindex.AmbiguousError
	)
	switch {
	case errors.As(err, &start):
		return start.Kind
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
