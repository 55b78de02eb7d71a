package build

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress writes Docker's plain build output: numbered vertices, their
// output lines with a timestamp, and DONE, CACHED or ERROR.
type progress struct {
	mu  sync.Mutex
	out io.Writer
	n   int
	// vertices are every vertex so far, for the build's record.
	vertices []*vertex
}

func newProgress(out io.Writer) *progress { return &progress{out: out} }

func (p *progress) vertex(name string) *vertex {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	fmt.Fprintf(p.out, "#%d %s\n", p.n, name)
	v := &vertex{p: p, id: p.n, name: name, start: time.Now()}
	p.vertices = append(p.vertices, v)
	return v
}

// vertex is one step in the output. It is an io.Writer for the step's own
// output, and keeps the last lines for an error report.
type vertex struct {
	p     *progress
	id    int
	name  string
	start time.Time
	buf   []byte
	tail  []string
	// fromCache and took are how the step ended, for the build's record.
	fromCache bool
	took      time.Duration
}

const tailLines = 10

func (v *vertex) printf(format string, args ...any) {
	v.p.mu.Lock()
	defer v.p.mu.Unlock()
	fmt.Fprintf(v.p.out, "#%d %s\n", v.id, fmt.Sprintf(format, args...))
}

func (v *vertex) Write(b []byte) (int, error) {
	v.buf = append(v.buf, b...)
	for {
		i := bytes.IndexByte(v.buf, '\n')
		if i < 0 {
			break
		}
		v.line(string(v.buf[:i]))
		v.buf = v.buf[i+1:]
	}
	return len(b), nil
}

func (v *vertex) line(s string) {
	s = fmt.Sprintf("%.3f %s", time.Since(v.start).Seconds(), strings.TrimRight(s, "\r"))
	v.tail = append(v.tail, s)
	if len(v.tail) > tailLines {
		v.tail = v.tail[1:]
	}
	v.printf("%s", s)
}

func (v *vertex) flush() {
	if len(v.buf) > 0 {
		v.line(string(v.buf))
		v.buf = nil
	}
}

func (v *vertex) done() {
	v.flush()
	v.took = time.Since(v.start)
	v.printf("DONE %.1fs", v.took.Seconds())
}

func (v *vertex) cached() {
	v.fromCache = true
	v.took = time.Since(v.start)
	v.printf("CACHED")
}

func (v *vertex) fail(err error) {
	v.flush()
	v.printf("ERROR: %v", err)
}

// report is the block Docker prints after a failed step: the step and the
// last lines of its output.
func (v *vertex) report() string {
	var b strings.Builder
	b.WriteString("------\n > " + v.name + ":\n")
	for _, l := range v.tail {
		b.WriteString(l + "\n")
	}
	b.WriteString("------\n")
	return b.String()
}
