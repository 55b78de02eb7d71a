package apiserver

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
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
// (its errdefs), by the engine's one reading of its errors (engine.KindOf).
func statusOf(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.code
	}
	switch engine.KindOf(err) {
	case engine.NotFound:
		return http.StatusNotFound
	case engine.Conflict:
		return http.StatusConflict
	case engine.InvalidArgument:
		return http.StatusBadRequest
	}
	return http.StatusInternalServerError
}
