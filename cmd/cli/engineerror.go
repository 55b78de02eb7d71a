package cli

import (
	"errors"
	"fmt"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// DaemonPrefix starts every engine error Docker's CLI prints.
const DaemonPrefix = "Error response from daemon: "

// DaemonError words an engine error as Docker's CLI prints the daemon's
// answer: "Error response from daemon: <message>". What is not the engine's
// answer passes unchanged: an exit status or flag error a command already
// decided, the need for root, and a reference the client itself could not
// parse.
func DaemonError(err error) error {
	var (
		se  *factory.StatusError
		fe  *factory.FlagError
		ref *engine.InvalidReferenceError
		de  *daemonError
	)
	if err == nil || errors.As(err, &se) || errors.As(err, &fe) || errors.As(err, &ref) ||
		errors.As(err, &de) || errors.Is(err, engine.ErrNeedsRoot) {
		return err
	}
	return &daemonError{err}
}

// EngineError is DaemonError as the command's whole failure: the message
// on stderr and exit status 1, as Docker's CLI ends on a daemon error.
func EngineError(err error) error {
	err = DaemonError(err)
	var de *daemonError
	if errors.As(err, &de) {
		return &factory.StatusError{Code: 1, Message: de.Error()}
	}
	return err
}

// IsDaemonError reports whether err was worded by DaemonError.
func IsDaemonError(err error) bool {
	var de *daemonError
	return errors.As(err, &de)
}

// daemonError is an engine error worded as the daemon's answer; it keeps
// the engine's error for errors.Is and engine.KindOf.
type daemonError struct{ err error }

func (e *daemonError) Error() string { return DaemonPrefix + e.err.Error() }
func (e *daemonError) Unwrap() error { return e.err }

// ForEach runs fn for each name as docker network rm does: the name is
// printed when fn succeeds, the daemon's error when it fails, and the
// command fails with status 1 at the end. An error skip accepts is passed
// over in silence (network rm -f of a missing network); skip may be nil.
func ForEach(ios *iostreams.IOStreams, names []string, skip func(error) bool, fn func(name string) error) error {
	failed := false
	for _, name := range names {
		if err := fn(name); err != nil {
			if skip != nil && skip(err) {
				continue
			}
			fmt.Fprintln(ios.ErrOut, DaemonError(err))
			failed = true
			continue
		}
		fmt.Fprintln(ios.Out, name)
	}
	if failed {
		return &factory.StatusError{Code: 1}
	}
	return nil
}

// ForEachThenErrors runs fn for each name as docker rm, stop, kill,
// restart and volume rm do (docker/cli runs them in parallel and joins the
// errors): the names that succeed are printed as they go, the daemon's
// errors after the last of them, and the command fails with status 1. An
// error notFail accepts is printed at once and fails nothing (rm -f of a
// missing container); notFail may be nil.
func ForEachThenErrors(ios *iostreams.IOStreams, names []string, notFail func(error) bool, fn func(name string) error) error {
	var errs []error
	for _, name := range names {
		switch err := fn(name); {
		case err == nil:
			fmt.Fprintln(ios.Out, name)
		case notFail != nil && notFail(err):
			fmt.Fprintln(ios.ErrOut, DaemonError(err))
		default:
			errs = append(errs, err)
		}
	}
	for _, err := range errs {
		fmt.Fprintln(ios.ErrOut, DaemonError(err))
	}
	if len(errs) > 0 {
		return &factory.StatusError{Code: 1}
	}
	return nil
}
