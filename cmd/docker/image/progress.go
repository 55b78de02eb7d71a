package image

import (
	"fmt"
	"io"
	"strings"

	units "github.com/docker/go-units"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// Progress shows pull events the way the Docker CLI does: on a terminal,
// one line per layer redrawn in place with a progress bar; elsewhere one
// plain line per status change, without byte counts.
type Progress struct {
	w     io.Writer
	tty   bool
	lines []string       // layer ids in the order of their lines
	index map[string]int // layer id -> line
	last  map[string]string
}

// NewProgress returns a renderer writing to w; tty draws in place.
func NewProgress(w io.Writer, tty bool) *Progress {
	return &Progress{w: w, tty: tty, index: map[string]int{}, last: map[string]string{}}
}

// Event shows one pull event.
func (p *Progress) Event(e engine.PullEvent) {
	if e.ID == "" {
		fmt.Fprintln(p.w, e.Status)
		return
	}
	line := e.ID + ": " + e.Status
	if bar := progressBar(e); bar != "" {
		if !p.tty {
			return // byte counts are noise in a log
		}
		line += " " + bar
	}
	if !p.tty {
		if p.last[e.ID] != e.Status {
			p.last[e.ID] = e.Status
			fmt.Fprintln(p.w, line)
		}
		return
	}
	i, ok := p.index[e.ID]
	if !ok {
		p.index[e.ID] = len(p.lines)
		p.lines = append(p.lines, e.ID)
		fmt.Fprintf(p.w, "%s\x1b[K\n", line)
		return
	}
	up := len(p.lines) - i
	// Up to the layer's line, clear it, write, and back down.
	fmt.Fprintf(p.w, "\x1b[%dA\r%s\x1b[K\r\x1b[%dB", up, line, up)
}

// progressBar draws Docker's 50-column bar: [=====>     ]  1.2MB/4.3MB.
func progressBar(e engine.PullEvent) string {
	if e.Status != engine.PullDownloading && e.Status != engine.PullExtracting || e.Total <= 0 {
		return ""
	}
	const width = 50
	cur := e.Current
	if cur > e.Total {
		cur = e.Total
	}
	n := int(float64(width) * float64(cur) / float64(e.Total))
	bar := strings.Repeat("=", n)
	if n < width {
		bar += ">" + strings.Repeat(" ", width-n-1)
	}
	return fmt.Sprintf("[%s] %8s/%s", bar, units.HumanSize(float64(cur)), units.HumanSize(float64(e.Total)))
}
