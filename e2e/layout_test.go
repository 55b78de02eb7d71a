package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestInstalledLayout: with the two binaries side by side, a container's
// monitor and its init run dockyard-monitor, and what a student does with
// a container works through it: logs, exec, a published port, stop.
func TestInstalledLayout(t *testing.T) {
	needs(t)
	mustSh(t, "dockyard images prepare busybox")
	cleanupContainers(t, "layout-box")
	port := freePort(t)
	mustSh(t, fmt.Sprintf(`docker run -d --name layout-box -p %d:8080 busybox sh -c 'mkdir /www && echo hello > /www/index.html && echo started && exec httpd -f -p 8080 -h /www'`, port))

	pid := strings.TrimSpace(mustSh(t, "docker inspect --format '{{.State.Pid}}' layout-box"))
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	// /proc/<pid>/stat: pid (comm) state ppid ...
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	monitorExe, err := os.Readlink("/proc/" + fields[1] + "/exe")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(binDir, "dockyard-monitor"); monitorExe != want {
		t.Errorf("the container's monitor runs %s, want %s", monitorExe, want)
	}

	if out := mustSh(t, "docker logs layout-box"); out != "started\n" {
		t.Errorf("docker logs = %q, want %q", out, "started\n")
	}
	if out := mustSh(t, "docker exec layout-box cat /www/index.html"); out != "hello\n" {
		t.Errorf("docker exec = %q, want hello", out)
	}
	// The server may take a moment to listen; the deadline only bounds a
	// broken run.
	var body string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the published port: %v", err)
		}
	}
	if body != "hello\n" {
		t.Errorf("the published port answered %q, want hello", body)
	}
	mustSh(t, "docker stop -t 1 layout-box")
	if out := mustSh(t, "docker ps -a --filter name=layout-box --format '{{.Status}}'"); !strings.HasPrefix(out, "Exited (") {
		t.Errorf("after docker stop: %q, want Exited", out)
	}
}

// TestInteractiveThroughMonitor: `docker run -it` on a real terminal, with
// the container's pty passed through dockyard-monitor: the shell prompt, a
// command's output, the window size, and the exit code of `exit 3`.
func TestInteractiveThroughMonitor(t *testing.T) {
	needs(t)
	mustSh(t, "dockyard images prepare busybox")
	cmd := exec.Command(filepath.Join(binDir, "docker"), "run", "-it", "--rm", "busybox", "sh")
	cmd.Env = append(os.Environ(), "DOCKYARD_ROOT="+root, "TERM=xterm")
	ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var mu sync.Mutex
	var out bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	waitFor := func(want string) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			seen := out.String()
			mu.Unlock()
			if strings.Contains(seen, want) {
				return
			}
		}
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("the terminal never showed %q:\n%s", want, out.String())
	}
	waitFor("# ")
	ptmx.Write([]byte("echo sum=$((40+2)); stty size\n"))
	waitFor("sum=42")
	waitFor("40 100")
	ptmx.Write([]byte("exit 3\n"))
	err = cmd.Wait()
	if cmd.ProcessState.ExitCode() != 3 {
		t.Errorf("docker run -it ... exit 3 ended with %v, want exit code 3", err)
	}
}
