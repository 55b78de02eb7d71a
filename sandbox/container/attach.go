package container

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/errdefs"
)

// The monitor and the command that started it talk over a socketpair the
// command creates and hands down, so nothing has to listen and no output is
// lost before the command attaches. Frames are Docker's stdcopy header (one
// byte of type, three zero bytes, a big-endian length) and a payload.
const (
	frameStdout     byte = 1
	frameStderr     byte = 2
	frameStarted    byte = 10 // the process runs; payload empty
	frameStartError byte = 11 // payload: exitStatus
	frameExit       byte = 12 // payload: exitStatus
	frameStdin      byte = 20
	frameStdinClose byte = 21
	frameResize     byte = 22 // payload: cols, rows as big-endian uint16
	frameRun        byte = 30 // to a waiting monitor: the container's id[, "\x00cols rows"]
)

type exitStatus struct {
	Code  int
	Error string `json:",omitempty"`
	// Kind is a failed start's kind (errdefs), so that the front ends
	// answer it as Docker's daemon does (a port the host holds is the
	// engine's fault, a command not found the caller's).
	Kind errdefs.Kind `json:",omitempty"`
	// AlreadyStarted says another monitor runs the container: a start
	// that has nothing to do.
	AlreadyStarted bool `json:",omitempty"`
}

// errAlreadyStarted is a start that found the container started by
// another monitor.
var errAlreadyStarted = errors.New("already started by another monitor")

func writeFrame(w io.Writer, typ byte, payload []byte) error {
	buf := make([]byte, 8+len(payload))
	buf[0] = typ
	binary.BigEndian.PutUint32(buf[4:8], uint32(len(payload)))
	copy(buf[8:], payload)
	_, err := w.Write(buf)
	return err
}

func readFrame(r io.Reader) (byte, []byte, error) {
	var hdr [8]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[4:8])
	if n > 16<<20 {
		return 0, nil, fmt.Errorf("attach: frame of %d bytes is too large", n)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, err
	}
	return hdr[0], payload, nil
}

// StartError is a container's process that could not be started, with the
// exit code Docker gives it: 127 when the command is not found, 126 when it
// cannot be executed, 125 otherwise; and its kind: a command that cannot
// run is the caller's to fix (Docker's startInvalidConfigError), a
// failure in the monitor's hooks keeps the kind its error was marked with,
// and anything else is the engine's fault.
type StartError struct {
	Code int
	Msg  string
	Kind errdefs.Kind
}

// startErrorOf is err as a StartError: itself, or one of exit code 125 of
// the kind err was marked with.
func startErrorOf(err error) *StartError {
	var se *StartError
	if errors.As(err, &se) {
		return se
	}
	kind, _ := errdefs.Of(err)
	return &StartError{Code: 125, Msg: err.Error(), Kind: kind}
}

func (e *StartError) Error() string { return e.Msg }

// DaemonMessage is the error as Docker 28's daemon words it: the runtime's
// failure to start the process comes as "failed to create task for
// container: ..."; a problem found before (a user the image lacks) as it is.
func (e *StartError) DaemonMessage() string {
	if strings.HasPrefix(e.Msg, processStartFailed) {
		return "failed to create task for container: " + e.Msg
	}
	return e.Msg
}

// Attachment is the caller's end of a started container's streams.
type Attachment struct {
	conn     *net.UnixConn
	writeMu  sync.Mutex
	detached atomic.Bool
}

// ErrDetached ends Stream after Detach: the container keeps running.
var ErrDetached = errors.New("detached from the container")

// Detach leaves the container running and ends Stream with ErrDetached
// (Docker's Ctrl-P Ctrl-Q).
func (a *Attachment) Detach() {
	a.detached.Store(true)
	a.conn.Close()
}

// ErrMonitorGone is returned when the monitor went away without saying how
// the container ended.
var ErrMonitorGone = errors.New("the container's monitor process exited unexpectedly")

// waitStarted reads frames until the monitor says the process runs or
// failed to start.
func (a *Attachment) waitStarted() error {
	for {
		typ, payload, err := readFrame(a.conn)
		if err != nil {
			return ErrMonitorGone
		}
		switch typ {
		case frameStarted:
			return nil
		case frameStartError:
			var st exitStatus
			if err := json.Unmarshal(payload, &st); err != nil {
				return fmt.Errorf("attach: %w", err)
			}
			if st.AlreadyStarted {
				return fmt.Errorf("%s: %w", st.Error, errAlreadyStarted)
			}
			return &StartError{Code: st.Code, Msg: st.Error, Kind: st.Kind}
		}
	}
}

// Stream copies the container's output to stdout and stderr until it exits
// and returns its exit code. stdin, when not nil, is forwarded; its end
// closes the container's standard input.
func (a *Attachment) Stream(stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	if stdin != nil {
		go func() {
			buf := make([]byte, 32*1024)
			for {
				n, err := stdin.Read(buf)
				if n > 0 {
					if a.send(frameStdin, buf[:n]) != nil {
						return
					}
				}
				if err != nil {
					_ = a.send(frameStdinClose, nil)
					return
				}
			}
		}()
	}
	for {
		typ, payload, err := readFrame(a.conn)
		if err != nil {
			if a.detached.Load() {
				return 0, ErrDetached
			}
			return 0, ErrMonitorGone
		}
		switch typ {
		case frameStdout:
			if stdout != nil {
				_, _ = stdout.Write(payload)
			}
		case frameStderr:
			if stderr != nil {
				_, _ = stderr.Write(payload)
			}
		case frameExit:
			var st exitStatus
			if err := json.Unmarshal(payload, &st); err != nil {
				return 0, fmt.Errorf("attach: %w", err)
			}
			if st.Error != "" && st.Code == 0 {
				return 0, errors.New(st.Error)
			}
			return st.Code, nil
		}
	}
}

// Resize tells the container's terminal its new size.
func (a *Attachment) Resize(cols, rows uint16) error {
	var b [4]byte
	binary.BigEndian.PutUint16(b[0:2], cols)
	binary.BigEndian.PutUint16(b[2:4], rows)
	return a.send(frameResize, b[:])
}

func (a *Attachment) send(typ byte, payload []byte) error {
	a.writeMu.Lock()
	defer a.writeMu.Unlock()
	return writeFrame(a.conn, typ, payload)
}

// Close detaches; the container keeps running.
func (a *Attachment) Close() error { return a.conn.Close() }

// monitorClient is the monitor's end: writes to a client that went away or
// stalls for too long are dropped, never blocking the container.
type monitorClient struct {
	mu   sync.Mutex
	conn *net.UnixConn
}

func newMonitorClient(f *os.File) *monitorClient {
	if f == nil {
		return &monitorClient{}
	}
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return &monitorClient{}
	}
	uc, _ := c.(*net.UnixConn)
	return &monitorClient{conn: uc}
}

func (m *monitorClient) send(typ byte, payload []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conn == nil {
		return
	}
	_ = m.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := writeFrame(m.conn, typ, payload); err != nil {
		m.conn.Close()
		m.conn = nil
	}
}

func (m *monitorClient) sendStatus(typ byte, st exitStatus) {
	b, _ := json.Marshal(st)
	m.send(typ, b)
}

func (m *monitorClient) close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conn != nil {
		m.conn.Close()
		m.conn = nil
	}
}

// reader returns the connection to read the client's frames from, or nil.
func (m *monitorClient) reader() io.Reader {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conn == nil {
		return nil
	}
	return m.conn
}
