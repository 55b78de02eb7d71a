// Package errdefs holds the kinds of the engine's errors, as moby's errdefs:
// what a failure means to a front end (not found, conflict, invalid
// argument, the engine's own fault). It imports nothing of Dockyard's, so
// the stores and the container's monitor, which runs without the engine,
// can mark their errors, and a failed start carries its kind across the
// monitor's protocol. sandbox/engine reads every error's kind (KindOf);
// the CLI and the API server map a kind to an exit code or HTTP status.
package errdefs

import "errors"

// Kind is what an error means to a front end: the CLI prints and exits by
// it, the API server answers with its HTTP status.
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
	// that names several objects among them, as Docker's daemon, or a
	// command the container cannot run): 400.
	InvalidArgument
)

// kindError gives err a kind.
type kindError struct {
	kind Kind
	err  error
}

func (e *kindError) Error() string { return e.err.Error() }
func (e *kindError) Unwrap() error { return e.err }
func (e *kindError) Kind() Kind    { return e.kind }

// Mark gives err kind k; a nil err stays nil.
func Mark(k Kind, err error) error {
	if err == nil {
		return nil
	}
	return &kindError{k, err}
}

// Of returns the kind err was marked with (Mark, or any error in its chain
// with a Kind method, such as a failed start), and whether it had one.
func Of(err error) (Kind, bool) {
	var k interface{ Kind() Kind }
	if errors.As(err, &k) {
		return k.Kind(), true
	}
	return Fault, false
}
