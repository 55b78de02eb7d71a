package parser

import (
	"github.com/pkg/errors"
)

// LocationError gives a location in source code that caused the error
type LocationError struct {
	Locations [][]Range
	error
}

// Unwrap unwraps to the next error
func (e *LocationError) Unwrap() error {
	return e.error
}

// Range is a code section between two positions
type Range struct {
	Start Position
	End   Position
}

// Position is a point in source code
type Position struct {
	Line      int
	Character int
}

func withLocation(err error, start, end int) error {
	return WithLocation(err, toRanges(start, end))
}

// WithLocation extends an error with a source code location
func WithLocation(err error, location []Range) error {
	return setLocation(err, location, true)
}

func SetLocation(err error, location []Range) error {
	return setLocation(err, location, false)
}

func setLocation(err error, location []Range, add bool) error {
	if err == nil {
		return nil
	}
	var el *LocationError
	if errors.As(err, &el) {
		if add {
			el.Locations = append(el.Locations, location)
		} else {
			el.Locations = [][]Range{location}
		}
		return err
	}
	return withStack(&LocationError{
		error:     err,
		Locations: [][]Range{location},
	})
}

// withStack is util/stack's Enable without stack.Helper, which only marks
// this frame for stack.Traces: importing util/stack links protobuf, and its
// package initialisation, into every program that parses a Dockerfile.
func withStack(err error) error {
	if !hasLocalStackTrace(err) {
		return errors.WithStack(err)
	}
	return err
}

// hasLocalStackTrace is util/stack's.
func hasLocalStackTrace(err error) bool {
	wrapped, ok := err.(interface {
		Unwrap() error
	})
	if ok && hasLocalStackTrace(wrapped.Unwrap()) {
		return true
	}

	_, ok = err.(interface {
		StackTrace() errors.StackTrace
	})
	return ok
}

func toRanges(start, end int) (r []Range) {
	if end <= start {
		end = start
	}
	for i := start; i <= end; i++ {
		r = append(r, Range{Start: Position{Line: i}, End: Position{Line: i}})
	}
	return
}
