// Package diskfull names a full disk. A write that fails with ENOSPC deep
// in a pull, a build or a progress save surfaces as a Go error chain
// ("pull busybox: write /var/lib/dockyard/images/tmp/...: no space left on
// device"); Wrap turns it into one line that says what was being done,
// which folder's file system is full, and what to do, as a student needs
// it. The original error stays reachable with errors.Is and errors.As.
package diskfull

import (
	"errors"
	"fmt"
	"syscall"
)

// Error is an operation that failed because the file system holding Dir
// has no space left.
type Error struct {
	// Op says what was being done: "pulling busybox:latest".
	Op string
	// Dir is the folder whose file system is full: the state root, or the
	// progress file's folder.
	Dir string
	// Fix is what to do besides freeing space; "" for the default advice.
	Fix string
	Err error
}

func (e *Error) Error() string {
	fix := e.Fix
	if fix == "" {
		fix = "free space there (docker system df shows what Dockyard holds; docker image prune and docker container prune free it) or use another state root with --root"
	}
	return fmt.Sprintf("no space left on device while %s in %s: %s", e.Op, e.Dir, fix)
}

func (e *Error) Unwrap() error { return e.Err }

// Wrap returns err as an *Error when it is, somewhere in its chain, a
// failure for lack of space (ENOSPC, or EDQUOT for a quota); any other
// err, nil included, is returned as it is, and so is an *Error already.
func Wrap(err error, op, dir string) error {
	if !Is(err) {
		return err
	}
	var de *Error
	if errors.As(err, &de) {
		return err
	}
	return &Error{Op: op, Dir: dir, Err: err}
}

// Is reports whether err is a failure for lack of space.
func Is(err error) bool {
	return err != nil && (errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT))
}
