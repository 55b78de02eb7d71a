package vm

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/renameio/v2"

	"github.com/dockyard-lab/dockyard/sandbox/idindex"
)

// Instance is a detached VM's record, <root>/vm/<id>/vm.json.
type Instance struct {
	ID       string    `json:"id"`
	Command  []string  `json:"command,omitempty"`
	MemoryMB int       `json:"memory_mb"`
	Accel    Accel     `json:"accel"`
	Kernel   string    `json:"kernel"`
	Created  time.Time `json:"created"`
	// Ready and BootMillis are filled in once the guest's init reports.
	Ready      Ready `json:"ready"`
	BootMillis int64 `json:"boot_ms"`
}

// State is a detached VM as it is now.
type State struct {
	Instance
	// Running says its qemu process is alive.
	Running bool
	Pid     int
	// ExitCode is the guest command's exit code once it reported one.
	ExitCode *int
}

// Status is the STATUS column of `dockyard vm ls`, in Docker's words.
func (s State) Status() string {
	switch {
	case s.Running && s.ExitCode != nil:
		return "Powering off"
	case s.Running:
		return "Up"
	case s.ExitCode != nil:
		return fmt.Sprintf("Exited (%d)", *s.ExitCode)
	default:
		return "Stopped"
	}
}

// ErrNotFound means no detached VM has the given id.
var ErrNotFound = errors.New("no such vm")

// RunningError is Remove's refusal of a running VM without force.
type RunningError struct{ ID string }

func (e *RunningError) Error() string {
	return fmt.Sprintf("vm %s is running: stop it first (dockyard vm stop %s) or use rm -f", e.ID, e.ID)
}

// NotRunningError is ConsoleSocket's answer for a VM that is not running.
type NotRunningError struct{ ID string }

func (e *NotRunningError) Error() string { return fmt.Sprintf("vm %s is not running", e.ID) }

// Files of a detached VM, in its directory.
const (
	instanceFile = "vm.json"
	pidFile      = "qemu.pid"
	consoleSock  = "console.sock"
	consoleLog   = "console.log"
	monitorSock  = "monitor.sock"
)

// Start boots a detached VM and returns once its init reports ready. qemu
// runs on as a daemon, its serial console on a unix socket (and copied to
// console.log), its monitor on another; a VM that does not get ready within
// the boot timeout is killed and removed.
func Start(ctx context.Context, cfg Config) (*Instance, error) {
	cfg.TTY = len(cfg.Command) == 0 // a shell is for a person to attach to
	p, err := prepare(ctx, cfg)
	if err != nil {
		return nil, err
	}
	id, dir, err := newInstanceDir(cfg.Dir)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			killInstance(dir)
			os.RemoveAll(dir)
		}
	}()
	inst := &Instance{
		ID: id, Command: cfg.Command, MemoryMB: p.spec.memoryMB, Accel: p.spec.accel,
		Kernel: p.kernel.Release, Created: time.Now().UTC(),
	}
	if err := writeInstance(dir, inst); err != nil {
		return nil, err
	}
	spec := p.spec
	spec.serial = []string{
		"-chardev", fmt.Sprintf("socket,id=con,path=%s,server=on,wait=off,logfile=%s",
			filepath.Join(dir, consoleSock), filepath.Join(dir, consoleLog)),
		"-serial", "chardev:con",
		"-monitor", fmt.Sprintf("unix:%s,server=on,wait=off", filepath.Join(dir, monitorSock)),
		"-pidfile", filepath.Join(dir, pidFile),
		"-daemonize",
	}
	args, err := spec.args()
	if err != nil {
		return nil, err
	}
	bootTimeout := orDefault(cfg.BootTimeout, DefaultBootTimeout)
	bctx, cancel := context.WithTimeout(ctx, bootTimeout)
	defer cancel()

	start := time.Now()
	var out bytes.Buffer
	cmd := exec.CommandContext(bctx, p.qemu, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		if bctx.Err() != nil {
			return nil, &TimeoutError{Phase: "boot", After: bootTimeout, Accel: spec.accel}
		}
		return nil, fmt.Errorf("qemu failed: %s", firstLine(out.String(), err.Error()))
	}

	ready, err := waitReady(bctx, dir)
	if err != nil {
		if bctx.Err() != nil && ctx.Err() == nil {
			return nil, &TimeoutError{Phase: "boot", After: bootTimeout, Accel: spec.accel, Tail: readTail(dir)}
		}
		return nil, err
	}
	inst.Ready, inst.BootMillis = ready, time.Since(start).Milliseconds()
	if err := writeInstance(dir, inst); err != nil {
		return nil, err
	}
	ok = true
	return inst, nil
}

// waitReady follows the detached VM's console log until its init reports.
func waitReady(ctx context.Context, dir string) (Ready, error) {
	var ready *Ready
	exited := false
	console := &Console{
		OnReady: func(r Ready) { ready = &r },
		OnExit:  func(int) { exited = true },
	}
	var offset int64
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		n, err := feedFrom(filepath.Join(dir, consoleLog), offset, console)
		if err != nil {
			return Ready{}, err
		}
		offset += n
		if ready != nil {
			return *ready, nil
		}
		if exited || !alive(dir) {
			return Ready{}, fmt.Errorf("%w before it was ready (last console output: %s)", ErrNoExitCode, lastLine(console.Tail()))
		}
		select {
		case <-ctx.Done():
			return Ready{}, fmt.Errorf("wait for vm: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// feedFrom copies file from offset into w and returns how much it copied;
// a file not created yet has nothing to copy.
func feedFrom(file string, offset int64, w io.Writer) (int64, error) {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read vm console: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return 0, fmt.Errorf("read vm console: %w", err)
	}
	return io.Copy(w, f)
}

// List returns the detached VMs under dir (Dir(root)), oldest first.
func List(dir string) ([]State, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list vms: %w", err)
	}
	var states []State
	for _, e := range entries {
		if !e.IsDir() || !isID(e.Name()) {
			continue
		}
		s, err := inspect(filepath.Join(dir, e.Name()))
		if errors.Is(err, os.ErrNotExist) {
			continue // removed meanwhile, or a half-made directory
		}
		if err != nil {
			return nil, err
		}
		states = append(states, s)
	}
	sort.Slice(states, func(i, j int) bool { return states[i].Created.Before(states[j].Created) })
	return states, nil
}

// Lookup resolves a unique id prefix, as Docker does for container ids.
func Lookup(dir, prefix string) (string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("find vm %s: %w", prefix, err)
	}
	var ids []string
	for _, e := range entries {
		if e.IsDir() && isID(e.Name()) {
			ids = append(ids, e.Name())
		}
	}
	id, err := idindex.Find(ids, prefix)
	if errors.Is(err, idindex.ErrNotFound) {
		return "", fmt.Errorf("%w: %s", ErrNotFound, prefix)
	}
	return id, err
}

// Stop ends a detached VM: qemu's monitor is asked to quit, and the process
// is killed if it is still there after timeout. Stopping a stopped VM is not
// an error.
func Stop(ctx context.Context, dir, id string, timeout time.Duration) error {
	full, err := Lookup(dir, id)
	if err != nil {
		return err
	}
	vmDir := filepath.Join(dir, full)
	if !alive(vmDir) {
		return nil
	}
	if err := monitorCommand(ctx, filepath.Join(vmDir, monitorSock), "quit"); err == nil && waitGone(ctx, vmDir, timeout) {
		return nil
	}
	killInstance(vmDir)
	if !waitGone(ctx, vmDir, 5*time.Second) {
		return fmt.Errorf("stop vm %s: qemu is still running after SIGKILL", full)
	}
	return nil
}

// Remove deletes a detached VM's directory. A running VM is refused unless
// force is set, in which case it is killed first.
func Remove(dir, id string, force bool) error {
	full, err := Lookup(dir, id)
	if err != nil {
		return err
	}
	lock := flock.New(filepath.Join(dir, "vms.lock"))
	if err := lock.Lock(); err != nil {
		return fmt.Errorf("lock vms: %w", err)
	}
	defer lock.Unlock()
	vmDir := filepath.Join(dir, full)
	if alive(vmDir) {
		if !force {
			return &RunningError{ID: full}
		}
		killInstance(vmDir)
		if !waitGone(context.Background(), vmDir, 5*time.Second) {
			return fmt.Errorf("remove vm %s: qemu is still running after SIGKILL", full)
		}
	}
	if err := os.RemoveAll(vmDir); err != nil {
		return fmt.Errorf("remove vm %s: %w", full, err)
	}
	return nil
}

func inspect(vmDir string) (State, error) {
	b, err := os.ReadFile(filepath.Join(vmDir, instanceFile))
	if err != nil {
		return State{}, err
	}
	var s State
	if err := json.Unmarshal(b, &s.Instance); err != nil {
		return State{}, fmt.Errorf("read %s: %w", filepath.Join(vmDir, instanceFile), err)
	}
	s.Pid = qemuPid(vmDir)
	s.Running = alive(vmDir)
	console := &Console{OnExit: func(code int) { s.ExitCode = &code }}
	if _, err := feedFrom(filepath.Join(vmDir, consoleLog), 0, console); err != nil {
		return State{}, err
	}
	return s, nil
}

func newInstanceDir(dir string) (id, vmDir string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("create %s: %w", dir, err)
	}
	for range 5 {
		b := make([]byte, 16)
		rand.Read(b)
		id = hex.EncodeToString(b)[:idLen]
		vmDir = filepath.Join(dir, id)
		if err := os.Mkdir(vmDir, 0o700); err == nil {
			return id, vmDir, nil
		} else if !errors.Is(err, os.ErrExist) {
			return "", "", fmt.Errorf("create vm directory: %w", err)
		}
	}
	return "", "", errors.New("create vm directory: no free id")
}

// idLen keeps ids short: unix socket paths under the id's directory must
// fit in 108 bytes.
const idLen = 12

func isID(s string) bool { return len(s) == idLen && idindex.IsHexPrefix(s) }

func writeInstance(vmDir string, inst *Instance) error {
	b, err := json.MarshalIndent(inst, "", "  ")
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(filepath.Join(vmDir, instanceFile), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("save vm %s: %w", inst.ID, err)
	}
	return nil
}

// qemuPid reads the pid qemu wrote, or 0.
func qemuPid(vmDir string) int {
	b, err := os.ReadFile(filepath.Join(vmDir, pidFile))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

// alive says the VM's qemu runs: its pid exists, is not a zombie, and is the
// qemu started for this directory (a recycled pid is someone else).
func alive(vmDir string) bool {
	pid := qemuPid(vmDir)
	if pid <= 0 {
		return false
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil || !bytes.Contains(cmdline, []byte(filepath.Join(vmDir, pidFile))) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name: "pid (comm) S ...".
	if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
		return false
	}
	return true
}

func killInstance(vmDir string) {
	if alive(vmDir) {
		_ = syscall.Kill(qemuPid(vmDir), syscall.SIGKILL)
	}
}

func waitGone(ctx context.Context, vmDir string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for alive(vmDir) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// monitorCommand sends one command to qemu's human monitor.
func monitorCommand(ctx context.Context, sock, command string) error {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := d.DialContext(dctx, "unix", sock)
	if err != nil {
		return fmt.Errorf("qemu monitor: %w", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := conn.Write([]byte(command + "\n")); err != nil {
		return fmt.Errorf("qemu monitor: %w", err)
	}
	// Wait for qemu to act: it closes the connection as it quits.
	io.Copy(io.Discard, conn)
	return nil
}

func readTail(vmDir string) string {
	c := &Console{}
	feedFrom(filepath.Join(vmDir, consoleLog), 0, c)
	return c.Tail()
}

// ConsoleSocket returns the unix socket of a running detached VM's serial
// console: connect to it to talk to the guest's shell.
func ConsoleSocket(dir, id string) (string, error) {
	full, err := Lookup(dir, id)
	if err != nil {
		return "", err
	}
	vmDir := filepath.Join(dir, full)
	if !alive(vmDir) {
		return "", &NotRunningError{ID: full}
	}
	return filepath.Join(vmDir, consoleSock), nil
}
