package container

import (
	"io"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

// termSize returns the caller's terminal size, or 80x24.
func termSize(ios *iostreams.IOStreams) (uint16, uint16) {
	if fd := ios.OutFd(); fd >= 0 {
		if w, h, err := term.GetSize(fd); err == nil && w > 0 && h > 0 {
			return uint16(w), uint16(h)
		}
	}
	if fd := ios.InFd(); fd >= 0 {
		if w, h, err := term.GetSize(fd); err == nil && w > 0 && h > 0 {
			return uint16(w), uint16(h)
		}
	}
	return 80, 24
}

// makeRaw puts the caller's terminal in raw mode, so Ctrl-C and Ctrl-D
// reach the container's terminal as on Docker; it returns the restore.
func makeRaw(ios *iostreams.IOStreams) func() {
	if !ios.IsStdinTTY() {
		return func() {}
	}
	st, err := term.MakeRaw(ios.InFd())
	if err != nil {
		return func() {}
	}
	return func() { _ = term.Restore(ios.InFd(), st) }
}

// watchResize forwards the terminal's size now and on every SIGWINCH.
func watchResize(ios *iostreams.IOStreams, resize interface{ Resize(uint16, uint16) error }) func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, unix.SIGWINCH)
	done := make(chan struct{})
	go func() {
		for {
			w, h := termSize(ios)
			_ = resize.Resize(w, h)
			select {
			case <-ch:
			case <-done:
				return
			}
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// ttyResizer resizes a terminal master directly (docker exec -t).
type ttyResizer struct{ f *os.File }

func (t ttyResizer) Resize(cols, rows uint16) error {
	return unix.IoctlSetWinsize(int(t.f.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: cols, Row: rows})
}

// detachKeys passes input through until Docker's detach keys, Ctrl-P
// Ctrl-Q, which detach instead of reaching the container. A Ctrl-P is held
// back until the next key shows whether it starts the sequence.
type detachKeys struct {
	r      io.Reader
	detach func()
	ctrlP  bool
}

func (d *detachKeys) Read(p []byte) (int, error) {
	if len(p) < 2 {
		return d.r.Read(p)
	}
	buf := make([]byte, len(p)-1) // room for a held Ctrl-P
	n, err := d.r.Read(buf)
	out := p[:0]
	for _, b := range buf[:n] {
		if d.ctrlP {
			d.ctrlP = false
			if b == 0x11 {
				d.detach()
				return len(out), io.EOF
			}
			out = append(out, 0x10)
		}
		if b == 0x10 {
			d.ctrlP = true
			continue
		}
		out = append(out, b)
	}
	if err != nil && d.ctrlP {
		d.ctrlP = false
		out = append(out, 0x10)
	}
	return len(out), err
}
