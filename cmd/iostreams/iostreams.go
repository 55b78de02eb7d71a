// Package iostreams carries the standard streams every command writes to, so
// that commands never print directly and tests can capture what they show.
// It follows the GitHub CLI's pkg/iostreams.
package iostreams

import (
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams is the one place commands read input from and write output to.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	// inFd and outFd are the file descriptors behind In and Out, or -1.
	inFd, outFd int
	colorOff    bool
}

// System returns the process's own standard streams.
func System() *IOStreams {
	_, noColor := os.LookupEnv("NO_COLOR")
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		inFd: int(os.Stdin.Fd()), outFd: int(os.Stdout.Fd()),
		colorOff: noColor,
	}
}

// Test returns streams backed by buffers: stdin, stdout and stderr.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, inFd: -1, outFd: -1, colorOff: true}, in, out, errOut
}

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.inFd >= 0 && term.IsTerminal(s.inFd) }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outFd >= 0 && term.IsTerminal(s.outFd) }

// ColorEnabled reports whether output may use colour: only on a terminal, and
// never when NO_COLOR is set.
func (s *IOStreams) ColorEnabled() bool { return !s.colorOff && s.IsStdoutTTY() }

// InFd returns the file descriptor of standard input, or -1 when it has none.
func (s *IOStreams) InFd() int { return s.inFd }

// OutFd returns the file descriptor of standard output, or -1 when it has none.
func (s *IOStreams) OutFd() int { return s.outFd }
