// Package spawn starts container monitor processes (`dockyard-monitor
// __monitor <root> -`, see container.MonitorMain): a monitor waits on the
// socket it is handed as file descriptor 3 until its caller names the
// container it runs.
//
// A `docker run` command line starts its monitor while dockyard's packages
// are still initialising (this package's init, Early): a monitor's start
// is a second Go binary's start, about as long as the command's own, and
// `docker run` had to wait for it after its own package initialisation.
// The package imports only os and syscall (not os/exec, fmt, strings or
// path/filepath): Go initialises a package once its imports are, taking
// the ready ones in the order of their import paths, so one that waited
// for os/exec came after every github.com and golang.org package that was
// ready first, half-way through dockyard's initialisation. Its state root
// is the one the command line names (--root, else $DOCKYARD_ROOT, else
// /var/lib/dockyard), so that it reads, in ps, as any other monitor;
// container.Store.SpawnMonitor uses it only for that root.
package spawn

import (
	"os"
	"path"
	"syscall"
)

// Waiting is the id argument that makes a monitor read its container's id
// from its socket.
const Waiting = "-"

// MonitorBinary is the name of the small binary that, installed beside
// dockyard, runs the container monitors and inits (cmd/dockyard-monitor).
const MonitorBinary = "dockyard-monitor"

// Start starts a monitor of the containers under root that waits for its
// container, with env as its environment, and returns the caller's end of
// its socket.
func Start(root string, env []string) (*os.File, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, &Error{os.NewSyscallError("socketpair", err)}
	}
	parent := os.NewFile(uintptr(fds[0]), "attach")
	child := os.NewFile(uintptr(fds[1]), "attach-monitor")
	// Only the monitor may hold the other end: a monitor killed before it
	// reports the start must end the caller's wait with EOF, not hang it.
	defer child.Close()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		parent.Close()
		return nil, &Error{err}
	}
	defer null.Close()
	p, err := os.StartProcess(monitorBinary(), []string{"dockyard", "__monitor", root, Waiting}, &os.ProcAttr{
		// "/" as its directory, so it pins none of the caller's.
		Dir: "/",
		Env: monitorEnv(env),
		// Its socket as fd 3, the null device as its standard streams
		// (as os/exec gives): its output goes to the container's
		// monitor.log, which it opens once it knows the container, over 1
		// and 2.
		Files: []*os.File{null, null, null, child},
		// Its own session, so the caller's terminal and signals do not
		// reach it.
		Sys: &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		parent.Close()
		return nil, &Error{err}
	}
	go p.Wait() //nolint:errcheck // reaps the monitor if it ends while we run
	return parent, nil
}

// monitorEnv is env with GOMAXPROCS=1 in place of any GOMAXPROCS: the
// monitor's Go runtime then starts with the one thread a monitor keeps
// (runtime.GOMAXPROCS(1) in RunMonitor stops the world otherwise, ~1-2 ms
// of every start on these VMs), and so does the container's init, which
// libcontainer starts with the monitor's GOMAXPROCS and which asks for one
// thread too (libcontainer.Init). The container's own processes get the
// environment of their spec, not this one.
func monitorEnv(env []string) []string {
	const key = "GOMAXPROCS="
	out := make([]string, 0, len(env)+1)
	for _, e := range env {
		if len(e) < len(key) || e[:len(key)] != key {
			out = append(out, e)
		}
	}
	return append(out, key+"1")
}

// Error is a monitor that could not be started.
type Error struct{ Err error }

func (e *Error) Error() string { return "start the container's monitor: " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// monitorBinary is dockyard-monitor beside the running binary, else the
// running binary itself, which can do the same work.
func monitorBinary() string {
	exe, err := os.Executable()
	if err != nil {
		return "/proc/self/exe"
	}
	p := dir(exe) + "/" + MonitorBinary
	if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return p
	}
	return "/proc/self/exe"
}

// dir and base are path/filepath's Dir and Base for the absolute, clean
// paths os.Executable returns and for argv[0].
func dir(path string) string {
	for i := len(path) - 1; i > 0; i-- {
		if path[i] == '/' {
			return path[:i]
		}
	}
	return "/"
}

func base(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}

// early is the monitor a `docker run` command line started at its start,
// for the state root earlyRoot (nil when it did not).
var (
	early     *os.File
	earlyRoot string
)

func init() { StartEarly(os.Args) }

// DefaultRoot is the state root without --root or $DOCKYARD_ROOT (the
// factory's DefaultRoot).
const DefaultRoot = "/var/lib/dockyard"

// StartEarly starts the monitor Early returns when args are a `docker run`
// command line (IsDockerRun). A failed start is not reported here:
// SpawnMonitor starts one again and says why it cannot.
func StartEarly(args []string) {
	if early != nil || !IsDockerRun(args) {
		return
	}
	root := rootFlag(args)
	if root == "" {
		root = os.Getenv("DOCKYARD_ROOT")
	}
	if root == "" {
		root = DefaultRoot
	}
	if root[0] != '/' {
		wd, err := os.Getwd()
		if err != nil {
			return
		}
		root = wd + "/" + root
	}
	root = path.Clean(root)
	if f, err := Start(root, os.Environ()); err == nil {
		early, earlyRoot = f, root
	}
}

// Early returns, once, the socket of the monitor started with the process
// for its `docker run` command line when it was started for root (an
// absolute, clean path), else nil. A monitor that is not used exits when
// the process does (its socket closes).
func Early(root string) *os.File {
	f := early
	early = nil
	if f != nil && earlyRoot != root {
		// A --root after the verb: cobra's, not seen here.
		f.Close()
		return nil
	}
	return f
}

// rootFlag is the last --root value before the docker command's verb in
// a command line IsDockerRun accepted, or "".
func rootFlag(args []string) string {
	root := ""
	for i := 1; i < len(args) && args[i] != "run"; i++ {
		switch a := args[i]; {
		case a == "--root" && i+1 < len(args):
			root = args[i+1]
			i++
		case len(a) > 7 && a[:7] == "--root=":
			root = a[7:]
		}
	}
	return root
}

// IsDockerRun reports whether args (os.Args) are a dockyard `docker run`
// or `docker container run` command line, through dockyard or a symlink
// named docker. Before the verb it knows dockyard's flags (--root and
// --lang take a value) and takes every other flag for a boolean one; a
// docker flag with a value there (none of the lessons' command lines has
// one) makes it false, and the monitor then starts when the command runs.
func IsDockerRun(args []string) bool {
	if len(args) == 0 {
		return false
	}
	rest := args[1:]
	if base(args[0]) != "docker" {
		rest = skipFlags(rest)
		if len(rest) == 0 || rest[0] != "docker" {
			return false
		}
		rest = rest[1:]
	}
	rest = skipFlags(rest)
	if len(rest) > 0 && rest[0] == "container" {
		rest = skipFlags(rest[1:])
	}
	return len(rest) > 0 && rest[0] == "run"
}

// skipFlags drops the flags at the start of args, with the value of
// dockyard's --root and --lang.
func skipFlags(args []string) []string {
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && args[0] != "--" {
		if (args[0] == "--root" || args[0] == "--lang") && len(args) > 1 {
			args = args[1:]
		}
		args = args[1:]
	}
	return args
}
