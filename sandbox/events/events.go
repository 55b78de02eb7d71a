// Package events is the engine's event log, what GET /events and `docker
// events` stream: container create/start/die/destroy/health_status, network
// and volume create/destroy. Events happen in several processes (the CLI,
// the API server, each container's monitor), so they go to one append-only
// file in the state root, one JSON line per event written with a single
// write on an O_APPEND descriptor (the kernel keeps such a write whole),
// and readers tail that file.
package events

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Message is one event in the Docker Engine API's shape (GET /events).
type Message struct {
	Type     string `json:"Type"`
	Action   string `json:"Action"`
	Actor    Actor  `json:"Actor"`
	Scope    string `json:"scope"`
	Time     int64  `json:"time"`
	TimeNano int64  `json:"timeNano"`

	// The fields of Docker's older API, which clients still read.
	Status string `json:"status,omitempty"`
	ID     string `json:"id,omitempty"`
	From   string `json:"from,omitempty"`
}

// Actor is the object an event is about.
type Actor struct {
	ID         string            `json:"ID"`
	Attributes map[string]string `json:"Attributes"`
}

// Object types, Docker's names.
const (
	Container = "container"
	Network   = "network"
	Volume    = "volume"
)

// maxSize is when the log starts over: a new file replaces it, so a reader
// that follows it reopens (see Follow).
const maxSize = 8 << 20

// Log is the event log of a state root.
type Log struct {
	path string
}

// Open returns the event log of a state root.
func Open(root string) *Log {
	return &Log{path: filepath.Join(root, "events.log")}
}

// Emit records an event now. Failing to record one must not fail what
// happened, so errors are dropped.
func (l *Log) Emit(typ, action, id string, attrs map[string]string) {
	if l == nil {
		return
	}
	_ = l.Append(New(typ, action, id, attrs, time.Now()))
}

// New builds a message.
func New(typ, action, id string, attrs map[string]string, t time.Time) Message {
	if attrs == nil {
		attrs = map[string]string{}
	}
	m := Message{
		Type: typ, Action: action, Actor: Actor{ID: id, Attributes: attrs},
		Scope: "local", Time: t.Unix(), TimeNano: t.UnixNano(),
	}
	if typ == Container {
		m.Status, m.ID, m.From = action, id, attrs["image"]
	}
	return m
}

// Append writes one event as one line in one write.
func (l *Log) Append(m Message) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if fi, err := os.Stat(l.path); err == nil && fi.Size() > maxSize {
		l.rotate()
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.Write(b)
	return err
}

// rotate moves a full log aside (the previous one goes); writers that
// still hold the old file finish their line there.
func (l *Log) rotate() {
	_ = os.Rename(l.path, l.path+".1")
}

// Options select events: since and until bound their time (zero: no
// bound; since in the past replays the log), Match filters them, Follow
// waits for new ones until ctx ends or until passes.
type Options struct {
	Since, Until time.Time
	Match        func(Message) bool
	Follow       bool
}

// pollInterval is how often a follower looks for new lines.
const pollInterval = 100 * time.Millisecond

// Read calls fn for each event the options select, oldest first.
func (l *Log) Read(ctx context.Context, o Options, fn func(Message) error) error {
	emit := func(line []byte) error {
		var m Message
		if err := json.Unmarshal(line, &m); err != nil {
			return nil // a damaged line is skipped
		}
		t := time.Unix(0, m.TimeNano)
		if !o.Since.IsZero() && t.Before(o.Since) {
			return nil
		}
		if !o.Until.IsZero() && t.After(o.Until) {
			return nil
		}
		if o.Match != nil && !o.Match(m) {
			return nil
		}
		return fn(m)
	}
	// Past events: the rotated log, then the current one, when asked for.
	var f *os.File
	var offset int64
	if !o.Since.IsZero() || !o.Follow {
		if err := readFile(l.path+".1", 0, emit); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		n, err := readFileAt(l.path, 0, emit)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		offset = n
	} else if fi, err := os.Stat(l.path); err == nil {
		offset = fi.Size()
	}
	if !o.Follow {
		return nil
	}
	var ino uint64
	if fi, err := os.Stat(l.path); err == nil {
		ino = inode(fi)
	}
	var pending []byte
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		if !o.Until.IsZero() && time.Now().After(o.Until) {
			return nil
		}
		fi, err := os.Stat(l.path)
		if err == nil && inode(fi) != ino {
			// Rotated: finish the old file, start the new one at 0.
			if f != nil {
				f.Close()
				f = nil
			}
			if _, err := readFileAt(l.path+".1", offset, emit); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			ino, offset, pending = inode(fi), 0, nil
		}
		if err == nil && fi.Size() > offset {
			if f == nil {
				if f, err = os.Open(l.path); err != nil {
					return err
				}
				defer f.Close()
			}
			buf := make([]byte, fi.Size()-offset)
			n, _ := f.ReadAt(buf, offset)
			offset += int64(n)
			pending = append(pending, buf[:n]...)
			for {
				i := bytes.IndexByte(pending, '\n')
				if i < 0 {
					break
				}
				if err := emit(pending[:i]); err != nil {
					return err
				}
				pending = pending[i+1:]
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func readFile(path string, offset int64, emit func([]byte) error) error {
	_, err := readFileAt(path, offset, emit)
	return err
}

// readFileAt reads whole lines of path from offset and returns the offset
// after the last one.
func readFileAt(path string, offset int64, emit func([]byte) error) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return offset, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return offset, err
	}
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return offset, nil // a partial last line is read again later
		}
		offset += int64(len(line))
		if err := emit(line[:len(line)-1]); err != nil {
			return offset, err
		}
	}
}
