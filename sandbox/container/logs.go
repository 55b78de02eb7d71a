package container

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// logEntry is one line of Docker's json-file log driver.
type logEntry struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// logWriter appends entries to a container's json-file log.
type logWriter struct {
	mu sync.Mutex
	f  *os.File
}

func openLog(path string) (*logWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open container log: %w", err)
	}
	return &logWriter{f: f}, nil
}

func (w *logWriter) write(stream string, line []byte) {
	b, err := json.Marshal(logEntry{Log: string(line), Stream: stream, Time: time.Now().UTC()})
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, _ = w.f.Write(append(b, '\n'))
}

func (w *logWriter) close() error { return w.f.Close() }

// lineSplitter turns a byte stream into log lines; a line without its
// newline is kept until the next chunk or the end.
type lineSplitter struct {
	stream  string
	log     *logWriter
	partial []byte
}

func (l *lineSplitter) Write(p []byte) (int, error) {
	data := append(l.partial, p...)
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		l.log.write(l.stream, data[:i+1])
		data = data[i+1:]
	}
	l.partial = append([]byte{}, data...)
	if len(l.partial) > 16*1024 {
		l.flush()
	}
	return len(p), nil
}

func (l *lineSplitter) flush() {
	if len(l.partial) > 0 {
		l.log.write(l.stream, l.partial)
		l.partial = nil
	}
}

// LogOptions are `docker logs` flags.
type LogOptions struct {
	Follow     bool
	Tail       int // lines from the end; < 0 means all
	Timestamps bool
	Since      time.Time
}

// Logs writes a container's log to stdout and stderr. With Follow it keeps
// reading until the container stops or ctx ends.
func (s *Store) Logs(ctx context.Context, ref string, opts LogOptions, stdout, stderr io.Writer) error {
	id, err := s.Resolve(ref)
	if err != nil {
		return err
	}
	f, err := os.Open(s.LogPath(id))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("read logs: %w", err)
	}
	defer f.Close()
	emit := func(e logEntry) {
		if !opts.Since.IsZero() && e.Time.Before(opts.Since) {
			return
		}
		w := stdout
		if e.Stream == "stderr" {
			w = stderr
		}
		if opts.Timestamps {
			fmt.Fprintf(w, "%s %s", e.Time.Format(time.RFC3339Nano), e.Log)
			return
		}
		io.WriteString(w, e.Log)
	}
	r := bufio.NewReader(f)
	var entries []logEntry
	readAvailable := func(keep bool) {
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				// A half-written line: read it again when complete.
				if len(line) > 0 {
					_, _ = f.Seek(-int64(len(line)), io.SeekCurrent)
					r.Reset(f)
				}
				return
			}
			var e logEntry
			if json.Unmarshal(line, &e) != nil {
				continue
			}
			if keep {
				entries = append(entries, e)
			} else {
				emit(e)
			}
		}
	}
	readAvailable(true)
	if opts.Tail >= 0 && len(entries) > opts.Tail {
		entries = entries[len(entries)-opts.Tail:]
	}
	for _, e := range entries {
		emit(e)
	}
	if !opts.Follow {
		return nil
	}
	for {
		c, err := s.Get(id)
		running := err == nil && (c.State.Status == Running || c.State.Status == Restarting)
		readAvailable(false)
		if !running {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(100 * time.Millisecond):
		}
	}
}
