package apiserver

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// Docker's stream types in a multiplexed stream (the stdcopy header: one
// byte of type, three zero bytes, a big-endian length).
const (
	streamStdout byte = 1
	streamStderr byte = 2
)

// frameWriter writes each chunk as one stdcopy frame.
type frameWriter struct {
	mu  *sync.Mutex
	w   io.Writer
	typ byte
}

func (f frameWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var hdr [8]byte
	hdr[0] = f.typ
	binary.BigEndian.PutUint32(hdr[4:], uint32(len(p)))
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.w.Write(append(hdr[:], p...)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// streams returns the writers for a container's stdout and stderr on w:
// raw for a terminal (everything is stdout), stdcopy frames otherwise.
func streams(w io.Writer, tty bool) (stdout, stderr io.Writer) {
	if tty {
		return w, w
	}
	mu := &sync.Mutex{}
	return frameWriter{mu: mu, w: w, typ: streamStdout}, frameWriter{mu: mu, w: w, typ: streamStderr}
}

// hijack takes the connection over for an attach or exec start, answering
// "101 UPGRADED" when the client asked for an upgrade (Docker's CLI does,
// with "Upgrade: tcp") and "200 OK" otherwise, as Docker's daemon.
func hijack(w http.ResponseWriter, r *http.Request, tty bool) (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the connection cannot be taken over for streaming")
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("hijack: %w", err)
	}
	ctype := "application/vnd.docker.multiplexed-stream"
	if tty {
		ctype = "application/vnd.docker.raw-stream"
	}
	if r.Header.Get("Upgrade") != "" {
		fmt.Fprintf(conn, "HTTP/1.1 101 UPGRADED\r\nContent-Type: %s\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n", ctype)
	} else {
		fmt.Fprintf(conn, "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n\r\n", ctype)
	}
	return conn, buf, nil
}

// deadlineConn bounds each write, so a client that stops reading is
// dropped instead of stalling everyone else's output.
type deadlineConn struct{ net.Conn }

func (d deadlineConn) Write(p []byte) (int, error) {
	_ = d.Conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return d.Conn.Write(p)
}

// session is one start of a container by this server: the attachment to
// its monitor, the clients attached to its streams, and how it ended. A
// client may attach before the start (docker run does) and wait for it.
type session struct {
	id  string
	tty bool

	mu      sync.Mutex
	outs    map[*subscriber]bool
	stdinW  *io.PipeWriter
	stdinR  *io.PipeReader
	started bool
	a       *engine.Attachment
	cols    uint16
	rows    uint16

	done chan struct{}
	code int
	err  error
}

// subscriber is one attached client's output.
type subscriber struct {
	stdout, stderr io.Writer // nil when not asked for
	failed         bool
}

func newSession(id string, tty, openStdin bool) *session {
	ss := &session{id: id, tty: tty, outs: map[*subscriber]bool{}, done: make(chan struct{})}
	if openStdin {
		ss.stdinR, ss.stdinW = io.Pipe()
	}
	return ss
}

// pendingSession returns the session the next start of id uses: one
// created before and not started yet, or a new one.
func (s *Server) pendingSession(c *engine.Container) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss := s.sessions[c.ID]; ss != nil {
		ss.mu.Lock()
		started := ss.started
		ss.mu.Unlock()
		if !started {
			return ss
		}
	}
	ss := newSession(c.ID, c.Spec.Config.Tty, c.Spec.Config.OpenStdin)
	s.sessions[c.ID] = ss
	return ss
}

// currentSession returns the session of id's current or last start.
func (s *Server) currentSession(id string) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

// forgetSession drops what the server keeps of a removed container: its
// session (clients waiting for a start that will not come are let go) and
// its exec instances.
func (s *Server) forgetSession(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss := s.sessions[id]; ss != nil && !ss.wasStarted() {
		ss.finish(0, errors.New("container was removed before it started"))
	}
	delete(s.sessions, id)
	for eid, rec := range s.execs {
		if rec.containerID == id {
			delete(s.execs, eid)
		}
	}
}

// running reports whether the session's container runs under it.
func (ss *session) running() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !ss.started {
		return false
	}
	select {
	case <-ss.done:
		return false
	default:
		return true
	}
}

// wasStarted reports whether the session's container was started.
func (ss *session) wasStarted() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.started
}

func (ss *session) subscribe(sub *subscriber) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.outs[sub] = true
}

func (ss *session) unsubscribe(sub *subscriber) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.outs, sub)
}

// fanout writes a chunk of one stream to every subscriber that asked for
// it, dropping those whose connection failed.
type fanout struct {
	ss     *session
	stderr bool
}

func (f fanout) Write(p []byte) (int, error) {
	f.ss.mu.Lock()
	subs := make([]*subscriber, 0, len(f.ss.outs))
	for sub := range f.ss.outs {
		subs = append(subs, sub)
	}
	f.ss.mu.Unlock()
	for _, sub := range subs {
		w := sub.stdout
		if f.stderr {
			w = sub.stderr
		}
		if w == nil || sub.failed {
			continue
		}
		if _, err := w.Write(p); err != nil {
			sub.failed = true
			f.ss.unsubscribe(sub)
		}
	}
	return len(p), nil
}

// start starts the session's container attached and streams it until the
// container exits; it returns once the process runs or failed to start.
func (s *Server) start(c *engine.Container, ss *session) error {
	ss.mu.Lock()
	if ss.started {
		ss.mu.Unlock()
		return nil
	}
	ss.started = true
	opts := engine.StartOptions{Attach: true}
	if ss.tty {
		opts.TTYCols, opts.TTYRows = ss.cols, ss.rows
		if opts.TTYCols == 0 || opts.TTYRows == 0 {
			opts.TTYCols, opts.TTYRows = 80, 24
		}
	}
	ss.mu.Unlock()
	// The container outlives the request that started it.
	a, err := s.e.StartContainer(context.Background(), c.ID, opts)
	if err != nil {
		var se *engine.StartError
		if errors.As(err, &se) {
			ss.finish(se.Code, err)
			// Its kind came across the monitor's protocol: a command
			// that cannot run is 400, a port the host holds 500.
			return &statusError{code: statusOf(se), msg: se.DaemonMessage()}
		}
		ss.finish(125, err)
		return err
	}
	if a == nil { // already running (started meanwhile by another client)
		ss.finish(0, errors.New("container was started elsewhere"))
		return nil
	}
	ss.mu.Lock()
	ss.a = a
	// A resize that came while the container started.
	if ss.tty && ss.cols > 0 && ss.rows > 0 && (ss.cols != opts.TTYCols || ss.rows != opts.TTYRows) {
		_ = a.Resize(ss.cols, ss.rows)
	}
	ss.mu.Unlock()
	s.goSafe("stream "+c.ShortID(), func() {
		var stdin io.Reader
		if ss.stdinR != nil {
			stdin = ss.stdinR
		}
		var stderr io.Writer = fanout{ss: ss, stderr: true}
		if ss.tty {
			stderr = nil
		}
		defer a.Close()
		defer ss.finish(125, errors.New("the attachment ended unexpectedly")) // a no-op once finished
		code, err := a.Stream(stdin, fanout{ss: ss}, stderr)
		ss.finish(code, err)
	})
	return nil
}

// finish records how the session ended and lets its clients go.
func (ss *session) finish(code int, err error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	select {
	case <-ss.done:
		return
	default:
	}
	ss.code, ss.err = code, err
	if ss.stdinW != nil {
		ss.stdinW.Close()
	}
	close(ss.done)
}

// resize changes the terminal's size, or remembers it for the start.
func (ss *session) resize(cols, rows uint16) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.cols, ss.rows = cols, rows
	if ss.a != nil {
		return ss.a.Resize(cols, rows)
	}
	return nil
}

// attach is POST /containers/{id}/attach: the container's streams on the
// hijacked connection, live from now on (logs=1 first replays the log).
func (s *Server) attach(w http.ResponseWriter, r *http.Request) error {
	c, err := s.e.Container(r.PathValue("id"))
	if err != nil {
		return err
	}
	wantIn, wantOut, wantErr := boolParam(r, "stdin"), boolParam(r, "stdout"), boolParam(r, "stderr")
	if !boolParam(r, "stream") && !boolParam(r, "logs") {
		return badRequest("attach needs stream=1 or logs=1")
	}
	var ss *session
	if cur := s.currentSession(c.ID); cur != nil && cur.running() {
		ss = cur
	} else if c.State.Status != engine.Running && c.State.Status != engine.Restarting {
		ss = s.pendingSession(c)
	}
	tty := c.Spec.Config.Tty
	conn, buf, err := hijack(w, r, tty)
	if err != nil {
		return err
	}
	defer conn.Close()
	out := deadlineConn{conn}
	stdout, stderr := streams(out, tty)
	sub := &subscriber{}
	if wantOut {
		sub.stdout = stdout
	}
	if wantErr {
		sub.stderr = stderr
	}
	if boolParam(r, "logs") {
		_ = s.e.ContainerLogs(r.Context(), c.ID, engine.LogOptions{Tail: -1}, orDiscard(sub.stdout), orDiscard(sub.stderr))
	}
	if !boolParam(r, "stream") {
		return nil
	}
	if ss == nil {
		// Running, but not started by this server: what it writes from
		// now on, from its log.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() { // a client that hangs up ends the stream
			_, _ = io.Copy(io.Discard, buf)
			if !wantIn {
				return
			}
			cancel()
		}()
		_ = s.e.ContainerLogs(ctx, c.ID, engine.LogOptions{Follow: true, Tail: 0}, orDiscard(sub.stdout), orDiscard(sub.stderr))
		return nil
	}
	ss.subscribe(sub)
	defer ss.unsubscribe(sub)
	if wantIn && ss.stdinW != nil {
		go func() {
			_, err := io.Copy(ss.stdinW, buf)
			if err == nil { // the client closed its input (EOF)
				ss.stdinW.Close()
			}
		}()
	}
	<-ss.done
	return nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
