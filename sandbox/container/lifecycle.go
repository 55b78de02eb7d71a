package container

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/container/spawn"
	"github.com/dockyard-lab/dockyard/sandbox/diskfull"
)

// StartOptions say how the caller wants to follow a start.
type StartOptions struct {
	// Attach keeps the connection to the monitor for the container's
	// streams; otherwise Start returns once the process runs.
	Attach bool
	// TTYCols and TTYRows are the caller's terminal size for -t.
	TTYCols, TTYRows uint16
	// Monitor, when not nil, is a monitor from SpawnMonitor to run the
	// container; Start uses it up (it closes it when it is not needed).
	Monitor *Monitor
}

// NotRunningError is returned for operations that need a running container.
type NotRunningError struct{ ID string }

func (e *NotRunningError) Error() string { return "container " + e.ID + " is not running" }

// Start runs a created or exited container's process under a new monitor
// process and returns once it runs, or with a *StartError when it could
// not. With opts.Attach the returned Attachment streams its I/O.
func (s *Store) Start(ctx context.Context, ref string, opts StartOptions) (*Attachment, error) {
	a, err := s.start(ctx, ref, opts)
	var se *StartError
	if errors.As(err, &se) && strings.Contains(se.Msg, syscall.ENOSPC.Error()) {
		// The runtime's failure reaches us from the monitor as text: say
		// it as a full disk, keeping the StartError and its exit code.
		se.Msg = (&diskfull.Error{Op: "starting container " + ref, Dir: s.root}).Error()
		return a, err
	}
	return a, diskfull.Wrap(err, "starting container "+ref, s.root)
}

func (s *Store) start(ctx context.Context, ref string, opts StartOptions) (*Attachment, error) {
	// A monitor is used once: on every return it has either been given its
	// container or is told to go (its end of the socket closes).
	m := opts.Monitor
	defer m.Close()
	c, err := s.Get(ref)
	if err != nil {
		return nil, err
	}
	if c.State.Status == Running || c.State.Status == Restarting {
		return nil, nil
	}
	if m == nil {
		if m, err = s.SpawnMonitor(opts); err != nil {
			return nil, err
		}
		defer m.Close()
	}
	run := c.ID
	if opts.TTYCols > 0 && opts.TTYRows > 0 {
		run += fmt.Sprintf("\x00%d %d", opts.TTYCols, opts.TTYRows)
	}
	if err := writeFrame(m.conn, frameRun, []byte(run)); err != nil {
		return nil, ErrMonitorGone
	}
	a := &Attachment{conn: m.conn}
	m.conn = nil // the Attachment owns it now
	if err := a.waitStarted(); err != nil {
		a.Close()
		if errors.Is(err, errAlreadyStarted) && !opts.Attach {
			return nil, nil // started meanwhile by another caller: Docker's no-op
		}
		return nil, err
	}
	if !opts.Attach {
		a.Close()
		return nil, nil
	}
	return a, nil
}

// Monitor is a monitor process started before it is told which container
// to run (Start with StartOptions.Monitor): `docker run` starts it first,
// so that its start-up (the Go runtime of a second binary, a large part of
// a short container's life) overlaps the container's create instead of
// following it.
type Monitor struct {
	conn *net.UnixConn
}

// Close tells a monitor that was not given a container to exit.
func (m *Monitor) Close() {
	if m != nil && m.conn != nil {
		m.conn.Close()
		m.conn = nil
	}
}

// SpawnMonitor starts a monitor process that waits for its container: hand
// it to Start in StartOptions.Monitor, or Close it. The monitor a `docker
// run` command line started with the process (spawn.Early) is used first.
func (s *Store) SpawnMonitor(opts StartOptions) (*Monitor, error) {
	f := spawn.Early(s.root)
	if f == nil {
		var err error
		if f, err = spawn.Start(s.root, os.Environ()); err != nil {
			return nil, err
		}
	}
	conn, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("start container: %w", err)
	}
	return &Monitor{conn: conn.(*net.UnixConn)}, nil
}

// MonitorBinary is the name of the small binary that, installed beside
// dockyard, runs the container monitors and inits (cmd/dockyard-monitor):
// a monitor idles beside every running container, so it is built from
// sandbox/monitor alone.
const MonitorBinary = spawn.MonitorBinary

// MonitorMain is the entry point of `dockyard __monitor <root> <id>`: the
// attach socket is file descriptor 3. With "-" for the id, the monitor was
// started ahead of its container (SpawnMonitor) and reads the id from the
// socket first; it exits quietly when the caller goes away instead.
func MonitorMain(args []string, hooks func(*Store) Hooks) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: dockyard __monitor <root> <id>")
		return 2
	}
	client := os.NewFile(3, "attach")
	s, err := Open(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var h Hooks
	if hooks != nil {
		h = hooks(s)
	}
	id := args[1]
	if id == spawn.Waiting {
		// While the caller creates the container: the start needs them.
		go favorCgroupMoves()
		go warmUp()
		if id, err = readContainerID(client); err != nil {
			return 0 // the caller did not start a container after all
		}
		if err := logTo(filepath.Join(s.Dir(id), "monitor.log")); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	if err := s.RunMonitor(id, h, client); err != nil {
		fmt.Fprintf(os.Stderr, "%s monitor %s: %v\n", time.Now().UTC().Format(time.RFC3339), id, err)
		return 1
	}
	return 0
}

// readContainerID reads the frameRun that names a waiting monitor's
// container ("id", or "id\x00cols rows" with the terminal size a -t
// container starts with, which it passes on to setupIO in the monitor's
// environment: a monitor started with its caller's process, before the
// command line was parsed, has no size in the environment it was given).
func readContainerID(f *os.File) (string, error) {
	typ, payload, err := readFrame(f)
	if err != nil {
		return "", err
	}
	id, size, ok := strings.Cut(string(payload), "\x00")
	if ok {
		os.Setenv(monitorEnvTTY, size)
	}
	// A full id (newID) and nothing else: it becomes a path.
	if _, err := hex.DecodeString(id); typ != frameRun || len(id) != 64 || err != nil {
		return "", fmt.Errorf("monitor: expected a container id, got frame %d", typ)
	}
	return id, nil
}

// logTo points the monitor's standard output and error at its container's
// monitor.log.
func logTo(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, fd := range []int{1, 2} {
		if err := unix.Dup3(int(f.Fd()), fd, 0); err != nil {
			return err
		}
	}
	return nil
}

// Signal sends sig to a running container's init process.
func (s *Store) Signal(ref string, sig unix.Signal) error {
	c, err := s.Get(ref)
	if err != nil {
		return err
	}
	if c.State.Status != Running {
		return &NotRunningError{ID: c.ID}
	}
	if sig == unix.SIGKILL || sig == stopSignal(c) {
		if _, err := s.Update(c.ID, func(c *Container) error { c.State.StopRequested = true; return nil }); err != nil {
			return err
		}
	}
	lc, err := libcontainer.Load(s.runtimeRoot(c.ID), c.ID)
	if err != nil {
		return &NotRunningError{ID: c.ID}
	}
	// Before the signal: the die it may cause comes after it.
	s.emit(c, "kill", map[string]string{"signal": strconv.Itoa(int(sig))})
	if err := lc.Signal(sig); err != nil {
		if errors.Is(err, libcontainer.ErrNotRunning) {
			// Its process ended before its monitor recorded it (between
			// two runs of a restart policy, or as it dies): a remove or
			// stop then waits for the monitor's record, as for a stopped one.
			return &NotRunningError{ID: c.ID}
		}
		return fmt.Errorf("signal container %s: %w", c.ShortID(), err)
	}
	return nil
}

// killWait bounds how long Kill waits for the monitor to record the exit
// of a SIGKILLed container (the kernel ends it at once; the monitor needs
// a moment to reap it and write the record).
const killWait = 10 * time.Second

// Kill is `docker kill`: it sends sig and, for SIGKILL, waits (bounded)
// until the container is recorded as exited, as Docker's daemon does, so
// that `docker rm` or `docker ps` right after it see the container stopped.
func (s *Store) Kill(ctx context.Context, ref string, sig unix.Signal) error {
	c, err := s.Get(ref)
	if err != nil {
		return err
	}
	if err := s.Signal(c.ID, sig); err != nil {
		return err
	}
	if sig != unix.SIGKILL {
		return nil
	}
	wctx, cancel := context.WithTimeout(ctx, killWait)
	defer cancel()
	if _, err := s.Wait(wctx, c.ID); err != nil {
		if wctx.Err() != nil && ctx.Err() == nil {
			return fmt.Errorf("tried to kill container %s, but did not receive an exit event within %s", c.ShortID(), killWait)
		}
		return err
	}
	return nil
}

func stopSignal(c *Container) unix.Signal {
	if sig, err := ParseSignal(c.Spec.Config.StopSignal); err == nil && c.Spec.Config.StopSignal != "" {
		return sig
	}
	return unix.SIGTERM
}

// ParseSignal reads "KILL", "SIGKILL" or "9".
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n <= 0 || n > 64 {
			return 0, fmt.Errorf("invalid signal: %s", s)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	sig := unix.SignalNum(name)
	if sig == 0 {
		return 0, fmt.Errorf("invalid signal: %s", s)
	}
	return sig, nil
}

// Stop sends the stop signal, waits up to timeout, then kills, as `docker
// stop` does. Stopping a container that is not running does nothing.
func (s *Store) Stop(ctx context.Context, ref string, timeout time.Duration) error {
	c, err := s.Get(ref)
	if err != nil {
		return err
	}
	if c.State.Status == Restarting {
		_, err := s.Update(c.ID, func(c *Container) error { c.State.StopRequested = true; return nil })
		if err != nil {
			return err
		}
	}
	if c.State.Status != Running && c.State.Status != Restarting {
		return nil
	}
	if err := s.Signal(c.ID, stopSignal(c)); err != nil && !errors.As(err, new(*NotRunningError)) {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if _, err := s.Wait(wctx, c.ID); err != nil {
		if err := s.Signal(c.ID, unix.SIGKILL); err != nil && !errors.As(err, new(*NotRunningError)) {
			return err
		}
		if _, err := s.Wait(ctx, c.ID); err != nil {
			return err
		}
	}
	s.emit(c, "stop", nil)
	return nil
}

// Restarted records that a container was restarted, after its stop and
// start: docker restart's events are kill, die, stop, start, restart, as
// Docker's daemon sends them.
func (s *Store) Restarted(c *Container) { s.emit(c, "restart", nil) }

// Wait blocks until the container is not running (nor restarting nor
// waiting to start) and returns its exit code.
func (s *Store) Wait(ctx context.Context, ref string) (int, error) {
	id, err := s.Resolve(ref)
	if err != nil {
		return 0, err
	}
	for {
		c, err := s.Get(id)
		if err != nil {
			if errors.Is(err, ErrNotFound) {
				return 0, nil // removed (--rm) after it ended
			}
			return 0, err
		}
		switch c.State.Status {
		case Exited, Dead:
			// The monitor holds the lock from writing this state until
			// its "die" is recorded: events after the wait come after it.
			_ = s.withLock(func() error { return nil })
			return c.State.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// RunningError says a container must be stopped first. Ref is the name or
// id prefix as the caller gave it and Status "running" or "restarting": moby
// (daemon/delete.go) names the container as it was asked for, so
// `docker rm c1b` answers about "c1b", not about its name.
type RunningError struct{ Ref, Status string }

func (e *RunningError) Error() string {
	return fmt.Sprintf("cannot remove container %q: container is %s: stop the container before removing or force remove", e.Ref, e.Status)
}

// Remove deletes a container; a running one only with force (it is killed).
func (s *Store) Remove(ctx context.Context, ref string, force bool) error {
	c, err := s.Get(ref)
	if d := (*DamagedError)(nil); errors.As(err, &d) && force {
		return s.Delete(d.ID)
	}
	if err != nil {
		return err
	}
	if c.State.Status == Running || c.State.Status == Restarting {
		if !force {
			return &RunningError{Ref: ref, Status: string(c.State.Status)}
		}
		if _, err := s.Update(c.ID, func(c *Container) error { c.State.StopRequested = true; return nil }); err != nil {
			return err
		}
		if err := s.Signal(c.ID, unix.SIGKILL); err != nil && !errors.As(err, new(*NotRunningError)) {
			return err
		}
		if _, err := s.Wait(ctx, c.ID); err != nil {
			return err
		}
	}
	err = s.Delete(c.ID)
	if errors.Is(err, ErrNotFound) {
		return nil // its monitor removed it (--rm)
	}
	return err
}

// Processes returns the host pids of a running container's processes.
func (s *Store) Processes(ref string) ([]int, error) {
	c, err := s.Get(ref)
	if err != nil {
		return nil, err
	}
	if c.State.Status != Running {
		return nil, &NotRunningError{ID: c.ID}
	}
	lc, err := libcontainer.Load(s.runtimeRoot(c.ID), c.ID)
	if err != nil {
		return nil, &NotRunningError{ID: c.ID}
	}
	return lc.Processes()
}

// reconcile corrects the record of a container whose monitor died: it is
// exited, with a reason, and whatever it left behind is cleaned up.
func (s *Store) reconcile(c *Container) (*Container, error) {
	if c.State.MonitorPid == 0 || monitorAlive(c.State) {
		return c, nil
	}
	return s.Update(c.ID, func(c *Container) error {
		if c.State.MonitorPid == 0 || monitorAlive(c.State) {
			return nil
		}
		destroyRuntime(s.runtimeRoot(c.ID), c.ID)
		unmountRootfs(s.RootfsPath(c.ID))
		if c.State.Status == Running || c.State.Status == Restarting || c.State.StartedAt.After(c.State.FinishedAt) {
			c.State.ExitCode = 255
			c.State.FinishedAt = time.Now().UTC()
		}
		c.State.Status = Exited
		c.State.Pid = 0
		c.State.Error = "the container's monitor process died, so the container was stopped"
		c.State.MonitorPid = 0
		c.State.MonitorStart = 0
		return nil
	})
}

func monitorAlive(st State) bool {
	if st.MonitorPid == 0 {
		return false
	}
	start, err := procStartTime(st.MonitorPid)
	return err == nil && start == st.MonitorStart
}

// procStartTime reads a process's start time (clock ticks after boot) from
// /proc/<pid>/stat, field 22; with the pid it names one process for good.
func procStartTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	_, f, ok := splitStat(b)
	// f[0] is field 3 (state); start time is field 22.
	if !ok || len(f) < 20 {
		return 0, errors.New("bad stat")
	}
	if f[0] == "Z" || f[0] == "X" {
		return 0, errors.New("zombie")
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// MonitorAlive reports whether the monitor process the record names still
// runs (same pid and start time), without correcting the record as Get and
// List do.
func (c *Container) MonitorAlive() bool { return monitorAlive(c.State) }

// CreatorAlive reports whether the process that created c's record still
// runs (a create in progress).
func (c *Container) CreatorAlive() bool {
	if c.State.CreatorPid == 0 {
		return false
	}
	start, err := procStartTime(c.State.CreatorPid)
	return err == nil && start == c.State.CreatorStart
}

// RemoveLeftover removes a container directory that has no record: what a
// create or a remove killed half-way left (its rootfs mount, libcontainer
// state, cgroups and files).
// It holds the store's lock, under which Create makes a directory and its
// record together.
func (s *Store) RemoveLeftover(id string) error {
	return s.withLock(func() error {
		if _, err := s.load(id); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("container %s has a record: remove it with docker rm -f", shortID(id))
		}
		unmountRootfs(s.RootfsPath(id))
		destroyRuntime(s.runtimeRoot(id), id)
		return os.RemoveAll(s.Dir(id))
	})
}

// holdForRemoval locks container id's directory while its monitor removes
// it after its record (a --rm container's end): BeingRemoved reads the
// lock, so a check of the state root in between does not take the
// directory for one a crash left. The lock dies with the monitor.
func (s *Store) holdForRemoval(id string) (release func()) {
	fd, err := unix.Open(s.Dir(id), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return func() {}
	}
	_ = unix.Flock(fd, unix.LOCK_EX)
	return func() { _ = unix.Close(fd) }
}

// BeingRemoved reports whether container id's directory is being removed
// by its live monitor (holdForRemoval).
func (s *Store) BeingRemoved(id string) bool {
	fd, err := unix.Open(s.Dir(id), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB) == unix.EWOULDBLOCK
}
