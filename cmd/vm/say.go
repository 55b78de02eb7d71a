package vm

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/lessons/screen"
	"github.com/dockyard-lab/dockyard/sandbox/vm"
)

// teller writes what vm run says to the student on stderr: the messages of
// Dockyard's catalogs (lessons/i18n) in their language, wrapped at the
// terminal's width.
type teller struct {
	w     io.Writer
	t     *i18n.Printer
	width int
}

func newTeller(opts *RunOptions) teller {
	w := opts.Width
	if w <= 0 {
		w = 80
	}
	return teller{w: opts.IO.ErrOut, t: i18n.For(opts.Lang), width: w}
}

// width is the width of the terminal w writes to; 80 when it is none (a
// log, a test), the width the lessons are written for.
func width(w io.Writer) int {
	if f, ok := w.(*os.File); ok {
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
			return cols
		}
	}
	return 80
}

// say writes the message key, wrapped.
func (s teller) say(key string, args ...any) {
	s.after("", s.t.T(key, args...))
}

// after writes text after first, wrapped, its other lines under the text.
func (s teller) after(first, text string) {
	for _, line := range screen.WrapAfter(first, text, s.width) {
		fmt.Fprintln(s.w, line)
	}
}

// reason says why the accelerator was chosen; a choice remembered before
// causes were recorded has its English reason only.
func (s teller) reason(c vm.AccelChoice) string {
	if c.Cause == "" {
		return c.Reason
	}
	return s.t.T("vm.accel."+string(c.Cause), c.Detail)
}

// summary says what the student should notice: another kernel, its own
// memory, a boot. The labels line up, in either language.
func (s teller) summary(res *vm.Result, hostKernel string) {
	same := s.t.T("vm.summary.kernel.differs")
	if res.Ready.Kernel == hostKernel {
		same = s.t.T("vm.summary.kernel.same")
	}
	off := s.t.T("vm.summary.killed")
	if res.PoweredOff {
		off = s.t.T("vm.summary.yes")
	}
	rows := []struct{ label, value string }{
		{"vm.summary.kernel", s.t.T("vm.summary.kernel.value", res.Ready.Kernel, hostKernel, same)},
		{"vm.summary.memory", s.t.T("vm.summary.memory.value", res.Ready.MemTotalKB/1024)},
		{"vm.summary.boot", s.t.T("vm.summary.boot.value", res.BootTime.Round(10*time.Millisecond), res.Ready.Uptime.Round(10*time.Millisecond))},
		{"vm.summary.total", s.t.T("vm.summary.total.value", res.Wall.Round(10*time.Millisecond), off)},
		{"vm.summary.host-memory", s.t.T("vm.summary.host-memory.value", float64(res.MaxRSS)/(1<<20))},
		{"vm.summary.accel", string(res.Accel)},
		{"vm.summary.exit", fmt.Sprint(res.ExitCode)},
	}
	col := 0
	for _, r := range rows {
		col = max(col, screen.Width(s.t.T(r.label)))
	}
	fmt.Fprintln(s.w)
	fmt.Fprintln(s.w, s.t.T("vm.summary.title"))
	for _, r := range rows {
		label := s.t.T(r.label)
		s.after(fmt.Sprintf("  %s%*s", label, col-screen.Width(label)+3, ""), r.value)
	}
}
