// Package cli holds seccheck's cobra commands. Each command has an Options struct (its inputs and
// IO streams), a NewCmdX constructor that only binds flags and arguments, and an xRun(opts)
// function that does the work, so tests can call xRun directly or check flag parsing alone.
package cli

import (
	"errors"
	"fmt"
)

// Exit codes (DESIGN.md).
const (
	ExitOK          = 0
	ExitFail        = 1
	ExitUsage       = 2
	ExitCannotRun   = 3
	ExitInterrupted = 130
)

// ExitError carries the process exit code for an error. A nil Err means "exit quietly with Code"
// (the reason was already printed, e.g. a failed verdict).
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

func usageErr(format string, a ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, a...)}
}

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return err
	}
	return &ExitError{Code: code, Err: err}
}

// CodeOf maps an error returned by a command to an exit code: ExitError's code, else 2 for
// flag/argument errors cobra produces, which are usage errors.
func CodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitUsage
}
