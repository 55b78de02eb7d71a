package container_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/dockyard-lab/dockyard/sandbox/engine/enginetest"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

// terminal is the student's side of a pty running `docker ...`.
type terminal struct {
	t    *testing.T
	ptmx *os.File
	mu   sync.Mutex
	out  bytes.Buffer
	cmd  *exec.Cmd
}

// startTerminal runs the docker command (this test binary under the name
// docker) on a new pty of 50 rows and 120 columns.
func startTerminal(t *testing.T, root string, args ...string) *terminal {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(exe, filepath.Join(bin, "docker")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "docker"), args...)
	cmd.Env = append(os.Environ(), "DOCKYARD_ROOT="+root, "TERM=xterm")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, ptmx: ptmx, cmd: cmd}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { ptmx.Close(); _ = cmd.Process.Kill() })
	return term
}

// expect waits until the terminal has shown want since the last expect.
func (term *terminal) expect(want string) {
	term.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		term.mu.Lock()
		s := term.out.String()
		if i := strings.Index(s, want); i >= 0 {
			term.out.Next(i + len(want))
			term.mu.Unlock()
			return
		}
		term.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	term.mu.Lock()
	defer term.mu.Unlock()
	term.t.Fatalf("terminal never showed %q; it shows %q", want, term.out.String())
}

// eventually sends input every half second until the terminal shows want.
func (term *terminal) eventually(input, want string) {
	term.t.Helper()
	for i := 0; i < 40; i++ {
		term.send(input)
		time.Sleep(500 * time.Millisecond)
		term.mu.Lock()
		s := term.out.String()
		term.mu.Unlock()
		if strings.Contains(s, want) {
			term.expect(want)
			return
		}
	}
	term.expect(want)
}

// wait waits for the docker command to end, failing the test if it does
// not within a minute.
func (term *terminal) wait() error {
	term.t.Helper()
	done := make(chan error, 1)
	go func() { done <- term.cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute):
		_ = term.cmd.Process.Kill()
		term.mu.Lock()
		defer term.mu.Unlock()
		term.t.Fatalf("docker %q did not end; the terminal shows %q", term.cmd.Args[1:], term.out.String())
		return nil
	}
}

func (term *terminal) send(s string) {
	term.t.Helper()
	if _, err := term.ptmx.WriteString(s); err != nil {
		term.t.Fatal(err)
	}
}

func busyboxRoot(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	root := filepath.Join(t.TempDir(), "root")
	if err := enginetest.WriteImage(root, imagetest.Busybox(t), "busybox:latest"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = enginetest.CleanupRoot(root) })
	return root
}

// TestRunInteractiveTerminal: `docker run -it busybox sh` behaves as on
// Docker: the terminal's size and its changes reach the container, Ctrl-C
// interrupts the command in the container (not docker itself), Ctrl-D
// ends the shell and docker with it.
func TestRunInteractiveTerminal(t *testing.T) {
	root := busyboxRoot(t)
	term := startTerminal(t, root, "run", "-it", "--network", "none", "busybox", "sh")
	term.send("stty size\r")
	term.expect("50 120")
	if err := pty.Setsize(term.ptmx, &pty.Winsize{Rows: 30, Cols: 90}); err != nil {
		t.Fatal(err)
	}
	// SIGWINCH reaches docker, then the resize the container: ask until
	// the new size shows.
	term.eventually("stty size\r", "30 90")
	term.send("echo sleeping; sleep 1000\r")
	term.expect("sleeping")
	// Ctrl-C until the prompt is back: only an interrupted sleep gives it.
	term.eventually("\x03", "# ")
	term.send("echo after-$((40+2))\r")
	term.expect("after-42")
	term.send("exit 3\r")
	err := term.wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		t.Errorf("docker run -it ended with %v, want exit status 3", err)
	}
}

// TestExecInteractiveTerminal: `docker exec -it` into a running container.
func TestExecInteractiveTerminal(t *testing.T) {
	root := busyboxRoot(t)
	term := startTerminal(t, root, "run", "-d", "--network", "none", "--name", "box", "busybox", "sleep", "1000")
	if err := term.wait(); err != nil {
		t.Fatalf("docker run -d: %v", err)
	}
	term = startTerminal(t, root, "exec", "-it", "box", "sh")
	term.send("echo $((6*7)) $(stty size)\r")
	term.expect("42 50 120")
	term.send("\x04")
	if err := term.wait(); err != nil {
		t.Errorf("docker exec -it ended with %v, want success", err)
	}
}

// TestDetachKeys: Ctrl-P Ctrl-Q leaves the container running, as on Docker.
func TestDetachKeys(t *testing.T) {
	root := busyboxRoot(t)
	term := startTerminal(t, root, "run", "-it", "--network", "none", "--name", "stay", "busybox", "sh")
	term.send("echo $((1+1))-ready\r")
	term.expect("2-ready") // output, not the echo of the input
	term.send("\x10\x11")
	if err := term.wait(); err != nil {
		t.Fatalf("docker run -it after Ctrl-P Ctrl-Q: %v, want exit 0", err)
	}
	ps := startTerminal(t, root, "ps", "--filter", "name=stay")
	ps.expect("Up ")
	_ = ps.cmd.Wait()
}

// TestKilledCommandLosesNothing: the docker command can die at any
// moment; the container runs on under its monitor and its end is recorded.
func TestKilledCommandLosesNothing(t *testing.T) {
	root := busyboxRoot(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	docker := filepath.Join(bin, "docker")
	if err := os.Symlink(exe, docker); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "DOCKYARD_ROOT="+root)
	cmd := exec.Command(docker, "run", "--network", "none", "--name", "orphan", "busybox", "sh", "-c", "echo up; sleep 1; echo down; exit 7")
	cmd.Env = env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(out, buf); err != nil || string(buf) != "up\n" {
		t.Fatalf("first output = %q, %v; want %q", buf, err, "up\n")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()

	wait := exec.Command(docker, "wait", "orphan")
	wait.Env = env
	got, err := wait.Output()
	if err != nil || strings.TrimSpace(string(got)) != "7" {
		t.Fatalf("docker wait after the run command was killed = %q, %v; want 7", got, err)
	}
	logs := exec.Command(docker, "logs", "orphan")
	logs.Env = env
	if got, err := logs.Output(); err != nil || string(got) != "up\ndown\n" {
		t.Errorf("docker logs = %q, %v; want %q", got, err, "up\ndown\n")
	}
}
