package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/renameio/v2"
)

// DefaultAddr is where the registry listens unless told otherwise; Docker's
// CLI treats localhost:5000 as an insecure (plain HTTP) registry.
const DefaultAddr = "127.0.0.1:5000"

// AddrInUseError is Start's refusal of an address something else listens on.
type AddrInUseError struct{ Addr string }

func (e *AddrInUseError) Error() string {
	return e.Addr + " is already in use: stop what listens there, or use --addr"
}

// ErrNotRunning is returned by Stop when no registry is running.
var ErrNotRunning = errors.New("no registry is running (start one with: dockyard registry start)")

// AlreadyRunningError is returned by Start when a registry already runs.
type AlreadyRunningError struct{ State State }

func (e *AlreadyRunningError) Error() string {
	return fmt.Sprintf("a registry is already running on %s (pid %d)", e.State.Addr, e.State.PID)
}

// State describes a running registry; it is kept in <root>/registry/state.json.
type State struct {
	PID     int       `json:"pid"`
	Addr    string    `json:"addr"`
	Args    []string  `json:"args"`
	Started time.Time `json:"started"`
}

// Dir is the registry's data folder under a state root.
func Dir(root string) string { return filepath.Join(root, "registry") }

// StartOptions configure Start.
type StartOptions struct {
	// Root is the engine's state root; data goes to Dir(Root).
	Root string
	// Addr is host:port to listen on (DefaultAddr when empty).
	Addr string
	// Command is the argv of the server process. It is started with the
	// listening socket as file descriptor 3 and must call ServeInherited.
	Command []string
}

// Start runs the registry as a background process and waits until it answers.
// The socket is bound here, so a port in use is reported at once.
func Start(ctx context.Context, opts StartOptions) (State, error) {
	if opts.Addr == "" {
		opts.Addr = DefaultAddr
	}
	if len(opts.Command) == 0 {
		return State{}, errors.New("registry: no server command given")
	}
	dir := Dir(opts.Root)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return State{}, fmt.Errorf("registry data: %w", err)
	}
	unlock, err := lock(dir)
	if err != nil {
		return State{}, err
	}
	defer unlock()

	if st, err := running(dir); err != nil {
		return State{}, err
	} else if st != nil {
		return *st, &AlreadyRunningError{State: *st}
	}

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return State{}, &AddrInUseError{Addr: opts.Addr}
		}
		return State{}, fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	defer ln.Close()
	lf, err := ln.(*net.TCPListener).File()
	if err != nil {
		return State{}, fmt.Errorf("registry socket: %w", err)
	}
	defer lf.Close()

	logPath := filepath.Join(dir, "registry.log")
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return State{}, fmt.Errorf("registry log: %w", err)
	}
	defer logf.Close()

	cmd := exec.Command(opts.Command[0], opts.Command[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.ExtraFiles = []*os.File{lf}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return State{}, fmt.Errorf("start registry: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	addr := ln.Addr().String()
	st := State{PID: cmd.Process.Pid, Addr: addr, Args: opts.Command, Started: time.Now().UTC()}
	if err := waitReady(ctx, addr, exited); err != nil {
		_ = cmd.Process.Kill()
		return State{}, fmt.Errorf("registry did not start (log in %s): %w", logPath, err)
	}
	b, _ := json.Marshal(st)
	if err := renameio.WriteFile(filepath.Join(dir, "state.json"), b, 0o644); err != nil {
		_ = cmd.Process.Kill()
		return State{}, fmt.Errorf("save registry state: %w", err)
	}
	return st, nil
}

// waitReady polls /v2/ until it answers, the server exits, or 10 s pass.
func waitReady(ctx context.Context, addr string, exited <-chan error) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/v2/", nil)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-exited:
			return fmt.Errorf("server exited: %v", err)
		case <-ctx.Done():
			return fmt.Errorf("no answer on %s: %w", addr, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Stop ends the running registry (SIGTERM, then SIGKILL after 5 s).
func Stop(ctx context.Context, root string) (State, error) {
	dir := Dir(root)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return State{}, fmt.Errorf("registry data: %w", err)
	}
	unlock, err := lock(dir)
	if err != nil {
		return State{}, err
	}
	defer unlock()
	st, err := running(dir)
	if err != nil {
		return State{}, err
	}
	if st == nil {
		return State{}, ErrNotRunning
	}
	_ = syscall.Kill(st.PID, syscall.SIGTERM)
	deadline := time.Now().Add(5 * time.Second)
	for alive(*st) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(st.PID, syscall.SIGKILL)
		}
		select {
		case <-ctx.Done():
			return State{}, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := os.Remove(filepath.Join(dir, "state.json")); err != nil && !os.IsNotExist(err) {
		return State{}, fmt.Errorf("remove registry state: %w", err)
	}
	return *st, nil
}

// Status returns the running registry's state, or nil when none runs.
func Status(root string) (*State, error) {
	dir := Dir(root)
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil, nil
	}
	return running(dir)
}

// running reads the state file and checks that its process is still the
// registry (a pid may have been reused by another program).
func running(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, "state.json"))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read registry state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("registry state %s: %w", filepath.Join(dir, "state.json"), err)
	}
	if !alive(st) {
		return nil, nil
	}
	return &st, nil
}

func alive(st State) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", st.PID))
	if err != nil {
		return false
	}
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", st.PID)); err == nil {
		// A zombie has exited; its parent just has not reaped it yet.
		if i := bytes.LastIndexByte(stat, ')'); i > 0 && bytes.HasPrefix(stat[i+1:], []byte(" Z")) {
			return false
		}
	}
	return string(bytes.TrimRight(b, "\x00")) == strings.Join(st.Args, "\x00")
}

func lock(dir string) (func(), error) {
	l := flock.New(filepath.Join(dir, "lock"))
	if err := l.Lock(); err != nil {
		return nil, fmt.Errorf("lock registry state: %w", err)
	}
	return func() { _ = l.Unlock() }, nil
}

// ServeInherited serves the registry for Dir(root) on the socket inherited as
// file descriptor 3 until ctx is done; it is the body of the server process
// that Start runs.
func ServeInherited(ctx context.Context, root string, logger *log.Logger) error {
	f := os.NewFile(3, "registry-listener")
	if f == nil {
		return errors.New("registry: no inherited socket (run it with dockyard registry start)")
	}
	ln, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("registry: inherited socket: %w", err)
	}
	return Serve(ctx, Dir(root), ln, logger)
}

// Serve answers registry requests on ln until ctx is done, then shuts down.
func Serve(ctx context.Context, dir string, ln net.Listener, logger *log.Logger) error {
	h, err := Handler(dir, logger)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}
