package factory

import "fmt"

// StatusError ends the program with Code. A command returns it when the exit
// code itself carries meaning, as Docker's does: 125 when the engine failed,
// 126 when a command cannot be executed, 127 when it is not found, and a
// container's own exit code otherwise. An empty Message prints nothing.
type StatusError struct {
	Code    int
	Message string
}

func (e *StatusError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Message
}

// FlagError marks a command-line usage problem (an unknown flag, a missing
// argument). Docker answers those with exit code 125 inside `docker`.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }
