// Package iostreams is the one place that knows where output goes, whether standard output and
// standard error are terminals, and whether colour is wanted (NO_COLOR). Commands take an
// *IOStreams instead of touching os.Stdout or calling isatty themselves.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams bundles a command's input and output streams and what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	outTTY  bool
	errTTY  bool
	noColor bool
}

// System returns streams bound to the process's standard streams.
func System() *IOStreams {
	return &IOStreams{
		In:      os.Stdin,
		Out:     os.Stdout,
		ErrOut:  os.Stderr,
		outTTY:  term.IsTerminal(int(os.Stdout.Fd())),
		errTTY:  term.IsTerminal(int(os.Stderr.Fd())),
		noColor: noColorWanted(os.LookupEnv),
	}
}

// noColorWanted follows https://no-color.org: NO_COLOR set to a non-empty value turns colour
// off (an empty NO_COLOR does not); so does TERM=dumb.
func noColorWanted(lookupEnv func(string) (string, bool)) bool {
	if v, ok := lookupEnv("NO_COLOR"); ok && v != "" {
		return true
	}
	term, _ := lookupEnv("TERM")
	return term == "dumb"
}

// Test returns streams backed by buffers, none of them a terminal.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: &bytes.Buffer{}, Out: out, ErrOut: errOut, noColor: true}, out, errOut
}

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether standard error is a terminal: live progress is redrawn in place
// only then; otherwise it is printed as plain lines.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// ColorEnabled reports whether colour may be used on standard output.
func (s *IOStreams) ColorEnabled() bool { return s.outTTY && !s.noColor }

// SetTTY overrides terminal detection (tests).
func (s *IOStreams) SetTTY(out, err bool) { s.outTTY, s.errTTY = out, err }

// SetColorFromEnv decides colour as System does, from lookupEnv instead of the process
// environment (tests; Test() starts with colour off).
func (s *IOStreams) SetColorFromEnv(lookupEnv func(string) (string, bool)) {
	s.noColor = noColorWanted(lookupEnv)
}
