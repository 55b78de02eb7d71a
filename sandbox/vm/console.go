package vm

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"
)

// markerStart and markerEnd delimit the messages the guest's /init prints on
// the serial console (see init.sh).
const (
	markerStart = "@@dockyard:"
	markerEnd   = "@@"
	// maxMarker bounds how much text is held back waiting for a marker's end;
	// anything longer was not a marker.
	maxMarker = 512
	tailSize  = 2048
)

// Ready is what the guest reports once its init runs, just before the command.
type Ready struct {
	// Kernel is the guest's `uname -r`.
	Kernel string
	// MemTotalKB is MemTotal from the guest's /proc/meminfo.
	MemTotalKB int64
	// Uptime is the guest's /proc/uptime at that moment: the kernel's own
	// view of its boot time.
	Uptime time.Duration
}

// Console splits the guest's serial console output into the command's output
// (between the ready and exit markers) and the log around it (kernel and init
// messages before, shutdown messages after). It is an io.Writer fed with
// qemu's serial output; it is safe for one writer and concurrent readers of
// the results.
type Console struct {
	// Output receives the command's output.
	Output io.Writer
	// Log, when set, receives everything else except the markers.
	Log io.Writer
	// OnReady, OnFirstOutput and OnExit are called (from Write) when the guest
	// reports it is ready, when the command's first byte arrives and when the
	// guest reports the command's exit code.
	OnReady       func(Ready)
	OnFirstOutput func()
	OnExit        func(code int)

	mu        sync.Mutex
	state     consoleState
	pending   []byte
	swallowNL bool
	sawOutput bool
	tail      []byte
}

type consoleState int

const (
	stateBoot consoleState = iota
	stateRunning
	stateDone
)

// Write consumes a chunk of console output. It never fails on the guest's
// behalf; only an error from Output or Log is returned.
func (c *Console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = append(c.pending, p...)
	for len(c.pending) > 0 {
		if c.swallowNL {
			c.pending = bytes.TrimPrefix(c.pending, []byte("\r"))
			if len(c.pending) == 0 {
				break
			}
			c.pending = bytes.TrimPrefix(c.pending, []byte("\n"))
			c.swallowNL = false
			continue
		}
		i := bytes.Index(c.pending, []byte(markerStart))
		if i < 0 {
			// Hold back a tail that might be the start of a marker.
			keep := partialPrefix(c.pending, markerStart)
			if err := c.emit(c.pending[:len(c.pending)-keep]); err != nil {
				return len(p), err
			}
			c.pending = c.pending[len(c.pending)-keep:]
			break
		}
		if err := c.emit(c.pending[:i]); err != nil {
			return len(p), err
		}
		c.pending = c.pending[i:]
		body := c.pending[len(markerStart):]
		j := bytes.Index(body, []byte(markerEnd))
		if j < 0 {
			if len(c.pending) < maxMarker {
				break // wait for the rest of the marker
			}
			// Too long to be one of ours: plain text.
			if err := c.emit(c.pending[:len(markerStart)]); err != nil {
				return len(p), err
			}
			c.pending = c.pending[len(markerStart):]
			continue
		}
		c.marker(string(body[:j]))
		c.pending = body[j+len(markerEnd):]
		c.swallowNL = true
	}
	return len(p), nil
}

// Tail returns the last couple of kilobytes of console text outside the
// command's output: what to show when a boot fails.
func (c *Console) Tail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.tail)
}

func (c *Console) emit(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if c.state == stateRunning {
		if !c.sawOutput {
			c.sawOutput = true
			if c.OnFirstOutput != nil {
				c.OnFirstOutput()
			}
		}
		if c.Output != nil {
			_, err := c.Output.Write(b)
			return err
		}
		return nil
	}
	c.tail = append(c.tail, b...)
	if len(c.tail) > tailSize {
		c.tail = c.tail[len(c.tail)-tailSize:]
	}
	if c.Log != nil {
		_, err := c.Log.Write(b)
		return err
	}
	return nil
}

func (c *Console) marker(body string) {
	switch {
	case strings.HasPrefix(body, "ready") && c.state == stateBoot:
		r := parseReady(body)
		c.state = stateRunning
		if c.OnReady != nil {
			c.OnReady(r)
		}
	case strings.HasPrefix(body, "exit=") && c.state == stateRunning:
		code, err := strconv.Atoi(strings.TrimPrefix(body, "exit="))
		if err != nil {
			code = -1
		}
		c.state = stateDone
		if c.OnExit != nil {
			c.OnExit(code)
		}
	}
}

// parseReady reads "ready kernel=.. mem_kb=.. uptime=..".
func parseReady(body string) Ready {
	var r Ready
	for _, f := range strings.Fields(body) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "kernel":
			r.Kernel = v
		case "mem_kb":
			r.MemTotalKB, _ = strconv.ParseInt(v, 10, 64)
		case "uptime":
			if s, err := strconv.ParseFloat(v, 64); err == nil {
				r.Uptime = time.Duration(s * float64(time.Second))
			}
		}
	}
	return r
}

// partialPrefix returns the length of the longest suffix of b that is a
// proper prefix of marker.
func partialPrefix(b []byte, marker string) int {
	n := min(len(b), len(marker)-1)
	for ; n > 0; n-- {
		if bytes.HasSuffix(b, []byte(marker[:n])) {
			return n
		}
	}
	return 0
}

// String describes r for people.
func (r Ready) String() string {
	return fmt.Sprintf("kernel %s, %d MiB", r.Kernel, r.MemTotalKB/1024)
}

// Flush passes on text held back while it looked like the start of a marker;
// call it once the console has closed.
func (c *Console) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.pending
	c.pending = nil
	return c.emit(b)
}
