package apiserver

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// statusError is an error with the HTTP status the API answers it with.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &statusError{code: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &statusError{code: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) error {
	return &statusError{code: http.StatusConflict, msg: fmt.Sprintf(format, args...)}
}

// statusOf decides an engine error's status code as Docker's daemon does
// (its errdefs): unknown objects 404, conflicts 409, bad input 400,
// everything else 500.
func statusOf(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.code
	}
	var (
		nameInUse *container.NameInUseError
		running   *container.RunningError
		notRun    *container.NotRunningError
		imgConf   *image.ConflictError
		badRef    *image.InvalidReferenceError
		portConf  *network.PortConflictError
	)
	switch {
	case errors.Is(err, container.ErrNotFound), errors.Is(err, image.ErrNotFound),
		errors.Is(err, network.ErrNotFound), errors.Is(err, volume.ErrNotFound):
		return http.StatusNotFound
	case errors.As(err, &nameInUse), errors.As(err, &running), errors.As(err, &notRun),
		errors.As(err, &imgConf), errors.Is(err, network.ErrExists), errors.Is(err, network.ErrInUse),
		errors.Is(err, volume.ErrInUse):
		return http.StatusConflict
	case errors.As(err, &badRef):
		return http.StatusBadRequest
	case errors.As(err, &portConf), errors.Is(err, network.ErrPortAllocated):
		// Docker: "driver failed programming external connectivity", a
		// server error.
		return http.StatusInternalServerError
	}
	return http.StatusInternalServerError
}
