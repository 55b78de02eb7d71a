package container

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/utils"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/errdefs"
)

// Hooks let the engine prepare what the container store does not own
// (networking, published ports, per-container DNS) around each start of a
// container's process. They run inside the monitor, which outlives the
// command that started the container.
type Hooks struct {
	// Prestart runs before each start (the first and every restart).
	Prestart func(ctx context.Context, c *Container) (Network, error)
	// Poststop runs after each exit of the container's process. What it
	// returns as later, when not nil, runs once the monitor has told its
	// caller how the run ended: clean-up that nobody needs to wait for.
	Poststop func(ctx context.Context, c *Container) (later func(), err error)
}

// Network is what Prestart hands the monitor.
type Network struct {
	// NetNS is "" for a new namespace with only loopback, "host" for the
	// host's, or the path of a prepared namespace to join.
	NetNS string
	// Joinable, when set, waits until the namespace at NetNS, which
	// Prestart left being made, can be joined, and reports whether it
	// could be made. The monitor calls it once the runtime's
	// configuration is built, before the container's init is created.
	Joinable func() error
	// Services run beside the container while its process runs (userland
	// port proxies, a DNS responder); their context ends when it exits.
	Services []Service
	// Ready, when set, waits for what Prestart left running (wiring the
	// namespace, opening the services) and returns the services to run.
	// The monitor calls it once, after the container's init has been
	// created in its namespaces and before the container's process is
	// started, so the network's setup overlaps the runtime's and is
	// complete before any of the container's code runs.
	Ready func() ([]Service, error)
}

// Service is a per-container helper the monitor runs.
type Service func(ctx context.Context) error

// processStartFailed starts a StartError of the runtime itself.
const processStartFailed = "failed to start container process: "

// monitorEnvTTY carries the caller's terminal size ("cols rows") to the
// monitor, so a -t container starts with the right size.
const monitorEnvTTY = "DOCKYARD_TTY_SIZE"

// RunMonitor is the body of `dockyard __monitor <root> <id>`: it starts the
// container's process, serves the attached caller (client, may be nil),
// writes the log, applies the restart policy and records how it ended.
func (s *Store) RunMonitor(id string, hooks Hooks, client *os.File) error {
	// The monitor idles for the container's whole life: keep it small
	// (and collect more often once it idles, below).
	runtime.GOMAXPROCS(1)
	m := &monitor{s: s, id: id, hooks: hooks, client: newMonitorClient(client)}
	return m.run()
}

type monitor struct {
	s      *Store
	id     string
	hooks  Hooks
	client *monitorClient
	log    *logWriter
	// trimmed is set once the monitor gave its start-up memory back.
	trimmed atomic.Bool
	// later is what Poststop left to run once the caller has been told
	// (runLater).
	later []func()
	// removal is the rest of a --rm container's removal, which also waits
	// until the caller has been told, and goes before later (a veth's
	// deletion can take a while), so that its directory and cgroups are
	// gone moments after the caller returns.
	removal []func()
}

// runLater runs what was left for after the caller was told.
func (m *monitor) runLater() {
	for _, f := range append(m.removal, m.later...) {
		f()
	}
	m.removal, m.later = nil, nil
}

func (m *monitor) run() error {
	s := m.s
	start, _ := procStartTime(os.Getpid())
	c, err := s.updateRunState(m.id, func(c *Container) error {
		if monitorAlive(c.State) {
			// Another monitor has it, running or still starting it: two
			// starts at once (a killed `run -d` whose monitor went on,
			// then `docker start`) start it once, as on Docker.
			return errAlreadyStarted
		}
		c.State.MonitorPid = os.Getpid()
		c.State.MonitorStart = start
		c.State.StopRequested = false
		c.State.Error = ""
		c.State.RestartCount = 0
		return nil
	})
	if errors.Is(err, errAlreadyStarted) {
		m.client.sendStatus(frameStartError, exitStatus{Code: 125, Error: fmt.Sprintf("container %s is already running", m.id[:min(12, len(m.id))]), AlreadyStarted: true})
		return nil
	}
	if err != nil {
		se := startErrorOf(err)
		m.client.sendStatus(frameStartError, exitStatus{Code: se.Code, Error: se.Msg, Kind: se.Kind})
		return err
	}
	defer m.runLater()
	m.log, err = openLog(s.LogPath(m.id))
	if err != nil {
		m.fail(c, startErrorOf(err))
		return err
	}
	defer m.log.close()

	first := true
	var code int
	var backoff time.Duration = 100 * time.Millisecond
	for {
		started := time.Now()
		code, err = m.runOnce(c, first)
		if err != nil {
			unmountRootfs(s.RootfsPath(m.id))
			m.fail(c, startErrorOf(err))
			return err
		}
		first = false
		finished := time.Now().UTC()
		// One write per exit: each is an fsync, and a busy disk makes
		// those the slow part of a short container's life.
		if m.restarts(c, code) {
			c, err = s.updateAndEmit(m.id, func(c *Container) error {
				c.State.ExitCode = code
				c.State.FinishedAt = finished
				c.State.Pid = 0
				c.State.Status = Restarting
				c.State.RestartCount++
				return nil
			}, s.save, "die", dieAttrs(code))
			if err != nil {
				return err
			}
			if time.Since(started) > 10*time.Second {
				backoff = 100 * time.Millisecond
			}
			// Tell an attached caller how this run ended; restarts
			// continue with the log only.
			m.client.sendStatus(frameExit, exitStatus{Code: code})
			m.client.close()
			m.runLater()
			if !m.sleepUnlessStopped(backoff) {
				backoff = min(backoff*2, time.Minute)
				continue
			}
			// Stopped while waiting to restart: it ends here.
		}
		unmountRootfs(s.RootfsPath(m.id))
		if c.Spec.Host.AutoRemove {
			// --rm: the record goes before the caller is told, so that
			// `docker ps -a` no longer lists the container when `docker
			// run --rm` returns; its runtime state, cgroups and directory
			// go after (runLater), which a killed monitor leaves to List
			// (RemoveLeftover).
			s.emit(c, "die", dieAttrs(code))
			release := s.holdForRemoval(m.id)
			if err = s.forget(c); err == nil {
				m.removal = append(m.removal, func() { _ = s.RemoveLeftover(m.id); release() })
			} else {
				release()
			}
		} else {
			// die after the state (a client inspecting on it sees the
			// exit) and before a Wait for it returns (see updateAndEmit).
			var updated *Container
			updated, err = s.updateAndEmit(m.id, func(c *Container) error {
				c.State.Status = Exited
				c.State.ExitCode = code
				c.State.FinishedAt = finished
				c.State.Pid = 0
				c.State.MonitorPid = 0
				c.State.MonitorStart = 0
				return nil
			}, s.save, "die", dieAttrs(code))
			if updated != nil {
				c = updated
			}
		}
		if err != nil {
			m.client.sendStatus(frameExit, exitStatus{Code: code, Error: err.Error()})
			m.client.close()
			return err
		}
		break
	}
	m.client.sendStatus(frameExit, exitStatus{Code: code})
	m.client.close()
	return err
}

// dieAttrs are the die event's own attributes. The event is recorded
// once the state says how the run ended (exited, or restarting), as moby's
// daemon logs it after SetStopped/SetRestarting: a client that inspects
// the container on "die", as Compose does to decide whether it will come
// back, must not still see it running.
func dieAttrs(code int) map[string]string {
	return map[string]string{"exitCode": strconv.Itoa(code)}
}

// fail records a start that did not happen and tells the caller.
func (m *monitor) fail(c *Container, se *StartError) {
	m.s.Update(m.id, func(c *Container) error { //nolint:errcheck // best effort: the caller hears of it below
		// Docker leaves a container whose start failed in the state it
		// had, "Created" in docker ps -a for one that never ran, with the
		// start's exit code and error in its record (inspect).
		if c.State.Status != Created {
			c.State.Status = Exited
		}
		c.State.ExitCode = se.Code
		c.State.Error = se.Msg
		c.State.FinishedAt = time.Now().UTC()
		c.State.Pid = 0
		c.State.MonitorPid = 0
		c.State.MonitorStart = 0
		return nil
	})
	if c != nil && c.Spec.Host.AutoRemove {
		m.s.Delete(m.id) //nolint:errcheck // nothing more to tell
	}
	m.client.sendStatus(frameStartError, exitStatus{Code: se.Code, Error: se.Msg, Kind: se.Kind})
	m.client.close()
}

// restarts reports whether the container's restart policy starts it
// again after an exit with code. The record is read again (for a stop
// requested meanwhile and the restart count) only when the policy may
// restart it at all: the policy is fixed at create, and most containers,
// every --rm one among them, have none.
func (m *monitor) restarts(c *Container, code int) bool {
	if !policyRestarts(c.Spec.Host.Restart, code, 0) {
		return false
	}
	latest, err := m.s.load(m.id)
	return err == nil && shouldRestart(latest, code)
}

func shouldRestart(c *Container, code int) bool {
	return !c.State.StopRequested && policyRestarts(c.Spec.Host.Restart, code, c.State.RestartCount)
}

// policyRestarts is Docker's restart policy p after an exit with code and
// restarts restarts so far.
func policyRestarts(p RestartPolicy, code, restarts int) bool {
	switch p.Name {
	case "always", "unless-stopped":
		return true
	case "on-failure":
		return code != 0 && (p.MaximumRetryCount == 0 || restarts < p.MaximumRetryCount)
	}
	return false
}

// sleepUnlessStopped waits d, returning early with true when a stop was
// requested meanwhile.
func (m *monitor) sleepUnlessStopped(d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		time.Sleep(min(50*time.Millisecond, time.Until(deadline)))
		if c, err := m.s.load(m.id); err != nil || c.State.StopRequested {
			return true
		}
	}
	return false
}

// runOnce starts the container's process, serves it until it exits and
// returns its exit code. An error means it could not start.
func (m *monitor) runOnce(c *Container, first bool) (int, error) {
	s := m.s
	// The health probes end with this run (cancel, then the wait): the
	// next run's init must not start while a probe's exec could still be
	// reaping (reapFailedExecs).
	var probing sync.WaitGroup
	defer probing.Wait()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rootfs, err := s.mountRootfs(c)
	if err != nil {
		return 0, err
	}
	nw := Network{NetNS: c.Spec.Host.NetNS}
	if m.hooks.Prestart != nil {
		if nw, err = m.hooks.Prestart(ctx, c); err != nil {
			// The hooks word their errors for the student (a port conflict
			// is Docker's "Bind for ... failed" line): no internal prefix.
			return 0, err
		}
	}
	procs := runtime.GOMAXPROCS(0)
	if nw.Ready != nil {
		// Prestart left the namespace being made and wired: two threads
		// until the container's process starts, so that it goes on while
		// the runtime's configuration is built and the init created.
		runtime.GOMAXPROCS(max(procs, 2))
	}
	poststop := sync.OnceFunc(func() {
		if m.hooks.Poststop != nil {
			if later, _ := m.hooks.Poststop(context.Background(), c); later != nil {
				m.later = append(m.later, later)
			}
		}
	})
	defer func() {
		poststop()
		if runtime.GOMAXPROCS(0) != procs {
			// Back to one thread for the idle monitor once the caller has
			// been told: a change of GOMAXPROCS stops the world.
			m.later = append(m.later, func() { runtime.GOMAXPROCS(procs) })
		}
	}()
	// ready finishes the network's setup, once; on a return before the
	// container's process started it still runs, so Poststop never races
	// the setup, and the services it opened are closed.
	ready := sync.OnceValues(func() ([]Service, error) {
		if nw.Ready == nil {
			return nw.Services, nil
		}
		return nw.Ready()
	})
	servicesStarted := false
	defer func() {
		if svcs, err := ready(); err == nil && !servicesStarted {
			closed, cancel := context.WithCancel(context.Background())
			cancel()
			for _, svc := range svcs {
				_ = svc(closed)
			}
		}
	}()
	spec, err := s.ociSpec(c, rootfs, nw.NetNS)
	if err != nil {
		return 0, err
	}
	cfg, err := libcontainerConfig(c.ID, spec)
	if err != nil {
		return 0, err
	}
	destroyRuntime(s.runtimeRoot(c.ID), c.ID)
	lc, err := libcontainer.Create(s.runtimeRoot(c.ID), c.ID, cfg)
	if err != nil {
		return 0, fmt.Errorf("create container: %w", err)
	}
	exited := false
	defer func() {
		// Kills what is left and removes the cgroups; what it could not
		// remove goes now, as the next start will not look (destroyRuntime).
		destroy := func() {
			if err := lc.Destroy(); err != nil {
				removeCgroups(c.ID)
			}
		}
		if exited && c.Spec.Host.AutoRemove {
			// A --rm container is not started again (no restart policy
			// with --rm): this waits until its caller has been told.
			m.removal = append(m.removal, destroy)
			return
		}
		destroy()
	}()
	p := spec.Process
	proc := &libcontainer.Process{
		Args: p.Args, Env: p.Env, Cwd: p.Cwd,
		UID: int(p.User.UID), GID: int(p.User.GID),
		Init: true,
	}
	for _, g := range p.User.AdditionalGids {
		proc.AdditionalGroups = append(proc.AdditionalGroups, int(g))
	}
	io, err := m.setupIO(proc, c)
	if err != nil {
		return 0, err
	}
	defer io.close()
	favorCgroupMoves()
	joinable := nw.Joinable
	if joinable == nil {
		joinable = func() error { return nil }
	}
	svcs, err := startProcess(lc, proc, joinable, ready)
	if err != nil {
		return 0, err
	}
	runtime.GOMAXPROCS(procs)
	if err := io.afterStart(); err != nil {
		_ = proc.Signal(unix.SIGKILL)
		_, _ = proc.Wait()
		return 0, err
	}
	pid, _ := proc.Pid()
	if _, err := s.updateRunState(c.ID, func(c *Container) error {
		c.State.Status = Running
		c.State.Pid = pid
		c.State.StartedAt = time.Now().UTC()
		c.State.FinishedAt = time.Time{}
		c.State.ExitCode = 0
		c.State.OOMKilled = false
		if c.Spec.Config.Healthcheck.Enabled() {
			// Each start begins the check again (its log stays).
			if c.State.Health == nil {
				c.State.Health = &Health{}
			}
			c.State.Health.Status = HealthStarting
			c.State.Health.FailingStreak = 0
		} else {
			c.State.Health = nil
		}
		return nil
	}); err != nil {
		_ = proc.Signal(unix.SIGKILL)
		_, _ = proc.Wait()
		return 0, err
	}
	// The event before the client hears of the start, as Docker's daemon
	// answers a start after its event: what follows it (restart) comes after.
	s.emit(c, "start", nil)
	if first {
		m.client.send(frameStarted, nil)
	}
	if hc := c.Spec.Config.Healthcheck; hc.Enabled() {
		h := &healthMonitor{s: s, id: c.ID, cfg: *hc, lc: lc, initPid: pid, started: time.Now(),
			onStatus: func(status string) { s.emit(c, "health_status: "+status, nil) }}
		probing.Add(1)
		go func() { defer probing.Done(); h.run(ctx) }()
	}
	servicesStarted = true
	for _, svc := range svcs {
		go func() {
			if err := svc(ctx); err != nil && ctx.Err() == nil {
				m.log.write("stderr", []byte("dockyard: "+err.Error()+"\n"))
			}
		}()
	}
	io.startCopy()
	if !m.trimmed.Load() {
		// A container still running after a moment leaves the monitor
		// only waiting: give memory back then, and collect more often
		// from then on. Short-lived containers end before and do not pay
		// for it (with GOGC=20 from the start, the start itself collected
		// garbage once: a heap goal under 1 MB).
		trim := time.AfterFunc(2*time.Second, func() {
			m.trimmed.Store(true)
			debug.SetGCPercent(20)
			debug.FreeOSMemory()
			dropStartupPages()
		})
		defer trim.Stop()
	}
	ps, err := proc.Wait()
	exited = true
	code := exitCode(ps, err)
	// State.OOMKilled is read from the record, which a --rm container's
	// exit removes.
	oomKilled := !c.Spec.Host.AutoRemove && wasOOMKilled(lc)
	cancel()
	// The container's processes are gone (its init's end took its PID
	// namespace down): its networking and volumes are released while the
	// runtime cleans up. For a bridge container that is the slow part of
	// its end: deleting a veth waits for the kernel's RCU grace periods.
	runtime.GOMAXPROCS(max(procs, 2))
	// Nothing of the container is left to kill: the end of the init of
	// its PID namespace (always its own) killed the rest, and the wait
	// returned once they were gone.
	go poststop()
	io.wait()
	if oomKilled {
		if _, err := s.Update(c.ID, func(c *Container) error { c.State.OOMKilled = true; return nil }); err != nil {
			return code, err
		}
	}
	return code, nil
}

// startProcess creates the container's init (namespaces joined, root
// filesystem mounted) once its network namespace can be joined
// (joinable), while the network is wired (ready), and starts the
// container's process once both are done: lc.Run is lc.Start then lc.Exec.
func startProcess(lc *libcontainer.Container, proc *libcontainer.Process, joinable func() error, ready func() ([]Service, error)) ([]Service, error) {
	if err := joinable(); err != nil {
		return nil, err
	}
	if err := lc.Start(proc); err != nil {
		return nil, classifyStartError(err)
	}
	svcs, err := ready()
	if err == nil {
		if err = lc.Exec(); err != nil {
			err = classifyStartError(err)
		}
	}
	if err != nil {
		_ = proc.Signal(unix.SIGKILL)
		_, _ = proc.Wait()
		return nil, err
	}
	return svcs, nil
}

// wasOOMKilled reports whether the kernel's OOM killer killed a process of
// the container (its memory cgroup's oom_kill counter), for
// State.OOMKilled.
func wasOOMKilled(lc *libcontainer.Container) bool {
	st, err := lc.State()
	if err != nil {
		return false
	}
	for _, f := range []string{
		filepath.Join(st.CgroupPaths["memory"], "memory.oom_control"), // cgroup v1
		filepath.Join(st.CgroupPaths[""], "memory.events"),            // cgroup v2
	} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, " "); ok && k == "oom_kill" && v != "0" {
				return true
			}
		}
	}
	return false
}

func exitCode(ps *os.ProcessState, err error) int {
	if ps == nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			ps = ee.ProcessState
		} else {
			return 255
		}
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// classifyStartError gives a failed start Docker's exit code and kind: a
// command that is not there or cannot be executed is the caller's to fix
// (400 from the API, as moby's setExitCodeFromError), the rest the
// engine's fault.
func classifyStartError(err error) error {
	msg := err.Error()
	if i := strings.Index(msg, "exec: "); i >= 0 {
		msg = msg[i:]
	}
	code, kind := 125, errdefs.Fault
	switch {
	case strings.Contains(msg, "executable file not found"), strings.Contains(msg, "no such file or directory"):
		code, kind = 127, errdefs.InvalidArgument
	case strings.Contains(msg, "permission denied"), strings.Contains(msg, "is a directory"):
		code, kind = 126, errdefs.InvalidArgument
	}
	return &StartError{Code: code, Msg: processStartFailed + msg, Kind: kind}
}

// stdio wires the container's standard streams to the log and the client.
type stdio struct {
	m       *monitor
	c       *Container
	stdinW  io.WriteCloser // pipe or pty master for the client's stdin
	outR    *os.File       // stdout pipe (or pty master)
	errR    *os.File
	closers []io.Closer
	console *os.File // tty master
	conSock *os.File // receives the tty master from init
	wg      sync.WaitGroup
	size    [2]uint16
}

func (m *monitor) setupIO(proc *libcontainer.Process, c *Container) (*stdio, error) {
	st := &stdio{m: m, c: c}
	if c.Spec.Config.Tty {
		parent, child, err := utils.NewSockPair("console")
		if err != nil {
			return nil, err
		}
		st.conSock = parent
		st.closers = append(st.closers, child)
		proc.ConsoleSocket = child
		if v := os.Getenv(monitorEnvTTY); v != "" {
			var cols, rows uint16
			if _, err := fmt.Sscan(v, &cols, &rows); err == nil {
				proc.ConsoleWidth, proc.ConsoleHeight = cols, rows
			}
		}
		return st, nil
	}
	if c.Spec.Config.OpenStdin {
		r, w, err := os.Pipe()
		if err != nil {
			return nil, err
		}
		proc.Stdin = r
		st.stdinW = w
		st.closers = append(st.closers, r)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	proc.Stdout, proc.Stderr = outW, errW
	st.outR, st.errR = outR, errR
	st.closers = append(st.closers, outW, errW)
	return st, nil
}

// afterStart closes the child's ends and picks up the tty master.
func (st *stdio) afterStart() error {
	for _, c := range st.closers {
		c.Close()
	}
	st.closers = nil
	if st.conSock != nil {
		master, err := utils.RecvFile(st.conSock)
		st.conSock.Close()
		if err != nil {
			return fmt.Errorf("receive the container's terminal: %w", err)
		}
		st.console = master
		st.stdinW = master
		st.outR = master
	}
	return nil
}

func (st *stdio) startCopy() {
	copyOut := func(r *os.File, stream string, typ byte) {
		defer st.wg.Done()
		lines := &lineSplitter{stream: stream, log: st.m.log}
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				_, _ = lines.Write(buf[:n])
				st.m.client.send(typ, buf[:n])
			}
			if err != nil {
				lines.flush()
				return
			}
		}
	}
	st.wg.Add(1)
	go copyOut(st.outR, "stdout", frameStdout)
	if st.errR != nil {
		st.wg.Add(1)
		go copyOut(st.errR, "stderr", frameStderr)
	}
	if r := st.m.client.reader(); r != nil {
		go st.readClient(r)
	}
}

// readClient forwards the caller's stdin and terminal resizes.
func (st *stdio) readClient(r io.Reader) {
	for {
		typ, payload, err := readFrame(r)
		if err != nil {
			// The caller went away. Docker keeps stdin open for -i without
			// an attached client, so leave the pipe as it is.
			return
		}
		switch typ {
		case frameStdin:
			if st.stdinW != nil {
				_, _ = st.stdinW.Write(payload)
			}
		case frameStdinClose:
			if st.stdinW != nil && st.console == nil {
				st.stdinW.Close()
			}
		case frameResize:
			if st.console != nil && len(payload) == 4 {
				ws := &unix.Winsize{Col: binary.BigEndian.Uint16(payload[0:2]), Row: binary.BigEndian.Uint16(payload[2:4])}
				_ = unix.IoctlSetWinsize(int(st.console.Fd()), unix.TIOCSWINSZ, ws)
			}
		}
	}
}

func (st *stdio) wait() {
	if st.console != nil {
		// The master reads EIO once every slave is closed, which the
		// container's end guarantees; do not wait on a stray holder.
		done := make(chan struct{})
		go func() { st.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			st.console.Close()
		}
		return
	}
	st.wg.Wait()
}

func (st *stdio) close() {
	for _, c := range st.closers {
		c.Close()
	}
	for _, f := range []*os.File{st.outR, st.errR, st.console} {
		if f != nil {
			f.Close()
		}
	}
	if st.stdinW != nil {
		st.stdinW.Close()
	}
}

// destroyRuntime removes leftover libcontainer state of a container whose
// monitor died, killing whatever still runs in it, and its cgroups.
//
// A container's cgroups exist only while its libcontainer state directory
// does: libcontainer makes the directory before the cgroups and removes it
// after them, runOnce cleans up after a Destroy that failed half-way, and
// the cgroups go below before the directory. Without the directory (a
// container's first start, every start after a clean exit) there is
// nothing to look for, and the start skips the search of every cgroup
// hierarchy.
func destroyRuntime(root, id string) {
	if _, err := os.Lstat(filepath.Join(root, id)); errors.Is(err, os.ErrNotExist) {
		_ = os.RemoveAll(root)
		return
	}
	lc, err := libcontainer.Load(root, id)
	if err == nil {
		_ = lc.Signal(unix.SIGKILL)
		// Destroy refuses a container whose init still runs, and a kill
		// takes a moment: without the wait, the cgroups of a container
		// whose monitor was killed stayed behind.
		for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if st, err := lc.Status(); err != nil || st == libcontainer.Stopped {
				break
			}
		}
		_ = lc.Destroy()
	}
	removeCgroups(id)
	_ = os.RemoveAll(root)
}

// removeCgroups removes the container's cgroup directories (CgroupsPath
// /dockyard/<id>) that are still there: those of a record whose runtime
// state was lost. A monitor killed before libcontainer saved its state
// leaves the container's processes in them with nothing to stop them
// (found by e2e's TestCrashPoints): they are killed first, as the
// container must not run here.
func removeCgroups(id string) {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", "dockyard", id))
	dirs = append(dirs, filepath.Join("/sys/fs/cgroup", "dockyard", id)) // cgroup v2
	for _, d := range dirs {
		if _, err := os.Stat(d); err != nil {
			continue
		}
		for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			procs, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
			for _, f := range strings.Fields(string(procs)) {
				if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
					_ = unix.Kill(pid, unix.SIGKILL)
				}
			}
			if err := unix.Rmdir(d); err == nil || errors.Is(err, unix.ENOENT) || time.Now().After(deadline) {
				break
			}
		}
	}
}
