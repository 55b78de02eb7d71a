package images

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/bake"
)

// Bars draws one line per image on a terminal, redrawn in place as the
// images bake:
//
//	debian    bootstrap  [########------------]  40%  0:12
type Bars struct {
	mu    sync.Mutex
	out   io.Writer
	order []string
	state map[string]bake.Progress
	drawn int // lines drawn last time
	last  time.Time
}

// NewBars returns bars drawing on out, a terminal.
func NewBars(out io.Writer) *Bars { return &Bars{out: out, state: map[string]bake.Progress{}} }

// Update takes an image's progress (a bake.Baker's Progress).
func (b *Bars) Update(p bake.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.state[p.Name]; !ok {
		b.order = append(b.order, p.Name)
	}
	old := b.state[p.Name]
	b.state[p.Name] = p
	// Redraw at most ten times a second, but always on a new phase.
	if old.Phase == p.Phase && time.Since(b.last) < 100*time.Millisecond {
		return
	}
	b.draw()
}

// Flush draws the final state.
func (b *Bars) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.draw()
}

func (b *Bars) draw() {
	b.last = time.Now()
	var sb strings.Builder
	if b.drawn > 0 {
		fmt.Fprintf(&sb, "\x1b[%dA", b.drawn)
	}
	for _, n := range b.order {
		sb.WriteString("\x1b[2K")
		sb.WriteString(Line(b.state[n]))
		sb.WriteByte('\n')
	}
	b.drawn = len(b.order)
	io.WriteString(b.out, sb.String())
}

// Line is one image's progress as a line with a bar.
func Line(p bake.Progress) string {
	const width = 20
	filled := int(p.Frac * width)
	filled = max(0, min(width, filled))
	bar := "[" + strings.Repeat("#", filled) + strings.Repeat("-", width-filled) + "]"
	el := p.Elapsed.Round(time.Second)
	clock := fmt.Sprintf("%d:%02d", int(el.Minutes()), int(el.Seconds())%60)
	switch p.Phase {
	case bake.PhaseWaiting:
		return fmt.Sprintf("%-9s %-10s", p.Name, p.Phase)
	case bake.PhaseUpToDate:
		return fmt.Sprintf("%-9s %-10s %s", p.Name, p.Phase, bar)
	case bake.PhaseDone:
		return fmt.Sprintf("%-9s %-10s %s 100%%  %s", p.Name, "baked", bar, clock)
	}
	return fmt.Sprintf("%-9s %-10s %s %3d%%  %s", p.Name, p.Phase, bar, int(p.Frac*100), clock)
}
