package apiserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"sync"

	"github.com/moby/moby/api/types/common"
	mobycontainer "github.com/moby/moby/api/types/container"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// execRecord is one exec instance: created by POST
// /containers/{id}/exec, run once by POST /exec/{id}/start.
type execRecord struct {
	id          string
	containerID string
	req         mobycontainer.ExecCreateRequest

	mu       sync.Mutex
	started  bool
	running  bool
	exitCode *int
	master   *os.File // the terminal while it runs with Tty
	cols     uint16
	rows     uint16
}

func (s *Server) execRoutes() {
	s.handle("POST /containers/{id}/exec", s.createExec)
	s.handle("POST /exec/{id}/start", s.startExec)
	s.handle("GET /exec/{id}/json", s.inspectExec)
	s.handle("POST /exec/{id}/resize", s.resizeExec)
}

func (s *Server) createExec(w http.ResponseWriter, r *http.Request) error {
	c, err := s.e.Container(r.PathValue("id"))
	if err != nil {
		return err
	}
	var req mobycontainer.ExecCreateRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if len(req.Cmd) == 0 {
		return badRequest("no exec command specified")
	}
	if req.Privileged {
		return badRequest("privileged exec is not available in Dockyard's sandbox (use --cap-add on the container for the one capability you need)")
	}
	if c.State.Status != engine.Running {
		return conflict("container %s is not running", c.ID)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	rec := &execRecord{id: hex.EncodeToString(b), containerID: c.ID, req: req}
	if req.ConsoleSize != nil {
		rec.rows, rec.cols = uint16(req.ConsoleSize[0]), uint16(req.ConsoleSize[1])
	}
	s.mu.Lock()
	s.execs[rec.id] = rec
	s.mu.Unlock()
	return writeJSON(w, http.StatusCreated, common.IDResponse{ID: rec.id})
}

func (s *Server) execByID(id string) (*execRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.execs[id]
	if rec == nil {
		return nil, notFound("No such exec instance: %s", id)
	}
	return rec, nil
}

// startExec runs the exec; unless detached, its streams go over the
// hijacked connection (raw with a terminal, multiplexed without) and the
// connection closes when the process ends.
func (s *Server) startExec(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.execByID(r.PathValue("id"))
	if err != nil {
		return err
	}
	var req mobycontainer.ExecStartRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	rec.mu.Lock()
	if rec.started {
		rec.mu.Unlock()
		return conflict("exec %s has already been started", rec.id)
	}
	rec.started = true
	rec.running = true
	if req.ConsoleSize != nil {
		rec.rows, rec.cols = uint16(req.ConsoleSize[0]), uint16(req.ConsoleSize[1])
	}
	rec.mu.Unlock()
	if c, err := s.e.Container(rec.containerID); err != nil {
		rec.end(126)
		return err
	} else if c.State.Status != engine.Running {
		rec.end(126)
		return conflict("container %s is not running", c.ID)
	}
	tty := rec.req.Tty || req.Tty
	eo := engine.ExecOptions{
		Cmd: rec.req.Cmd, Env: rec.req.Env, User: rec.req.User, WorkingDir: rec.req.WorkingDir,
		Tty: tty, Detach: req.Detach, TTYCols: rec.cols, TTYRows: rec.rows,
	}
	if tty && (eo.TTYCols == 0 || eo.TTYRows == 0) {
		eo.TTYCols, eo.TTYRows = 80, 24
	}
	if req.Detach {
		s.goSafe("exec "+rec.id[:12], func() {
			defer func() { rec.end(126) }() // even after a panic; a no-op once ended
			eo.Detach = false
			eo.Stdout, eo.Stderr = io.Discard, io.Discard
			code, err := s.e.ExecContainer(context.Background(), rec.containerID, eo)
			if err != nil {
				code = 126
			}
			rec.end(code)
		})
		w.WriteHeader(http.StatusOK)
		return nil
	}
	conn, buf, err := hijack(w, r, tty)
	if err != nil {
		rec.end(126)
		return err
	}
	defer conn.Close()
	out := deadlineConn{conn}
	stdout, stderr := streams(out, tty)
	if !rec.req.AttachStdout {
		stdout = io.Discard
	}
	if !rec.req.AttachStderr {
		stderr = io.Discard
	}
	// Once the client is gone the output is dropped, so the process never
	// blocks on a full pipe or terminal.
	stdout, stderr = &dropOnError{w: stdout}, &dropOnError{w: stderr}
	eo.Stdout, eo.Stderr = stdout, stderr
	if rec.req.AttachStdin && !tty {
		eo.Stdin = buf
	}
	if tty {
		eo.OnTTY = func(master *os.File) {
			rec.mu.Lock()
			rec.master = master
			// A resize may have come while the process started (Docker's
			// 20.10 client sends the size only after the start).
			if rec.cols > 0 && rec.rows > 0 && (rec.cols != eo.TTYCols || rec.rows != eo.TTYRows) {
				_ = unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Col: rec.cols, Row: rec.rows})
			}
			rec.mu.Unlock()
			if rec.req.AttachStdin {
				go func() { _, _ = io.Copy(master, buf) }()
			}
			_, _ = io.Copy(stdout, master)
		}
	}
	// The exec runs to its end even if the client hangs up: the process
	// reads EOF and its output is dropped.
	code, err := s.e.ExecContainer(context.Background(), rec.containerID, eo)
	if err != nil {
		var se *engine.StartError
		if errors.As(err, &se) {
			code = se.Code
		} else {
			code = 126
		}
		_, _ = io.WriteString(stderr, "OCI runtime exec failed: "+err.Error()+"\n")
	}
	rec.end(code)
	return nil
}

// end records the exec's exit code, once.
func (rec *execRecord) end(code int) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if rec.exitCode != nil {
		return
	}
	rec.running = false
	rec.master = nil
	rec.exitCode = &code
}

func (s *Server) inspectExec(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.execByID(r.PathValue("id"))
	if err != nil {
		return err
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	resp := mobycontainer.ExecInspectResponse{
		ID: rec.id, Running: rec.running, ExitCode: rec.exitCode, ContainerID: rec.containerID,
		OpenStdin: rec.req.AttachStdin, OpenStdout: rec.req.AttachStdout, OpenStderr: rec.req.AttachStderr,
		CanRemove: !rec.running && rec.started,
		ProcessConfig: &mobycontainer.ExecProcessConfig{
			Tty: rec.req.Tty, Entrypoint: rec.req.Cmd[0], Arguments: append([]string{}, rec.req.Cmd[1:]...), User: rec.req.User,
		},
	}
	return writeJSON(w, http.StatusOK, resp)
}

// terminalSize reads a resize request's ?h= and ?w=, which must fit a
// terminal's 16-bit rows and columns.
func terminalSize(r *http.Request) (cols, rows uint16, err error) {
	h, err := intParam(r, "h", 0)
	if err != nil {
		return 0, 0, err
	}
	wd, err := intParam(r, "w", 0)
	if err != nil {
		return 0, 0, err
	}
	if h < 0 || wd < 0 || h > 1<<16-1 || wd > 1<<16-1 {
		return 0, 0, badRequest("invalid terminal size %dx%d", wd, h)
	}
	return uint16(wd), uint16(h), nil
}

func (s *Server) resizeExec(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.execByID(r.PathValue("id"))
	if err != nil {
		return err
	}
	cols, rows, err := terminalSize(r)
	if err != nil {
		return err
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.cols, rec.rows = cols, rows
	if rec.master != nil {
		ws := &unix.Winsize{Col: cols, Row: rows}
		if err := unix.IoctlSetWinsize(int(rec.master.Fd()), unix.TIOCSWINSZ, ws); err != nil {
			return err
		}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

// dropOnError passes writes on until one fails, then discards the rest
// while still reporting success.
type dropOnError struct {
	w      io.Writer
	failed bool
}

func (d *dropOnError) Write(p []byte) (int, error) {
	if !d.failed {
		if _, err := d.w.Write(p); err != nil {
			d.failed = true
		}
	}
	return len(p), nil
}
