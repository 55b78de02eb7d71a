package container

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/opencontainers/runc/libcontainer"
	"github.com/opencontainers/runc/libcontainer/utils"
)

// ExecOptions describe a process to run in a running container (docker exec).
type ExecOptions struct {
	Cmd        []string
	Env        []string
	User       string
	WorkingDir string
	Tty        bool
	Detach     bool
	TTYCols    uint16
	TTYRows    uint16

	// Stdin is forwarded when not nil (-i); Stdout and Stderr receive the
	// output when there is no terminal.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// OnTTY is called with the terminal's master side for -t; it should
	// wire the caller's terminal to it and return once output ended.
	OnTTY func(master *os.File)
}

// Exec runs a process in a running container and returns its exit code.
// With Detach it returns once the process started.
func (s *Store) Exec(ctx context.Context, ref string, o ExecOptions) (int, error) {
	c, err := s.Get(ref)
	if err != nil {
		return 0, err
	}
	if c.State.Status != Running {
		return 0, &NotRunningError{ID: c.ID}
	}
	lc, err := libcontainer.Load(s.runtimeRoot(c.ID), c.ID)
	if err != nil {
		return 0, &NotRunningError{ID: c.ID}
	}
	rootfs := s.RootfsPath(c.ID)
	userSpec := o.User
	if userSpec == "" {
		userSpec = c.Spec.Config.User
	}
	u, err := execUser(rootfs, userSpec)
	if err != nil {
		return 0, err
	}
	cwd := o.WorkingDir
	if cwd == "" {
		cwd = c.Spec.Config.WorkingDir
	}
	if cwd == "" {
		cwd = "/"
	}
	env := processEnv(overrideEnv(c.Spec.Config.Env, o.Env), c.Spec.Config.Hostname, u.Home, o.Tty)
	proc := &libcontainer.Process{
		Args: o.Cmd, Env: env, Cwd: cwd,
		UID: u.Uid, GID: u.Gid, AdditionalGroups: u.Sgids,
	}
	var conSock *os.File
	switch {
	case o.Tty && !o.Detach:
		parent, child, err := utils.NewSockPair("console")
		if err != nil {
			return 0, err
		}
		defer parent.Close()
		defer child.Close()
		conSock = parent
		proc.ConsoleSocket = child
		proc.ConsoleWidth, proc.ConsoleHeight = o.TTYCols, o.TTYRows
	case !o.Detach:
		if o.Stdin != nil {
			stdin, closeStdin, err := stdinPipe(o.Stdin)
			if err != nil {
				return 0, err
			}
			defer closeStdin()
			proc.Stdin = stdin
		}
		proc.Stdout, proc.Stderr = o.Stdout, o.Stderr
	}
	if err := lc.Run(proc); err != nil {
		// Under `dockyard serve` the half-made processes of a failed exec
		// would be the server's zombies for good, and one in the
		// container's PID namespace would keep its stop from ending.
		reapFailedExecs(0)
		return 0, classifyStartError(err)
	}
	if o.Detach {
		return 0, nil
	}
	if conSock != nil {
		master, err := utils.RecvFile(conSock)
		if err != nil {
			_ = proc.Signal(os.Kill)
			_, _ = proc.Wait()
			return 0, fmt.Errorf("receive the terminal: %w", err)
		}
		defer master.Close()
		done := make(chan struct{})
		go func() {
			defer close(done)
			if o.OnTTY != nil {
				o.OnTTY(master)
			}
		}()
		ps, err := proc.Wait()
		master.Close()
		<-done
		return exitCode(ps, err), nil
	}
	ps, err := proc.Wait()
	return exitCode(ps, err), nil
}

// overrideEnv applies KEY=VALUE entries over base.
func overrideEnv(base, over []string) []string {
	out := append([]string{}, base...)
	for _, e := range over {
		k, _, _ := strings.Cut(e, "=")
		replaced := false
		for i, b := range out {
			if bk, _, _ := strings.Cut(b, "="); bk == k {
				out[i] = e
				replaced = true
			}
		}
		if !replaced {
			out = append(out, e)
		}
	}
	return out
}

// stdinPipe is the process's stdin for r: r itself when it is a file,
// else a pipe that a goroutine of ours fills from r. Handed any other
// reader (an API client's hijacked connection), os/exec would copy it in
// a goroutine of its own and Wait for that copy to end, so an exec whose
// client keeps its stdin open (docker exec -i, docker compose exec -T,
// typed at a terminal) would never end after its process exits. closeStdin,
// called once the process has exited, closes our end: the copy then ends
// at its next write, or with r.
func stdinPipe(r io.Reader) (stdin *os.File, closeStdin func(), err error) {
	if f, ok := r.(*os.File); ok {
		return f, func() {}, nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("stdin pipe: %w", err)
	}
	go func() {
		_, _ = io.Copy(pw, r)
		pw.Close() // the process reads EOF
	}()
	return pr, func() { pr.Close() }, nil
}
