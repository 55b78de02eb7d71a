// Package parity runs one suite of docker command lines twice: through
// `dockyard docker` and through the real docker CLI against `dockyard
// serve` on an engine of its own, so the two front ends over the engine
// cannot drift apart. Outputs are compared, after masking ids, times,
// addresses and random ports, with the same expected text in both runs.
package parity

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/cmd/serve"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

func TestMain(m *testing.M) {
	// The test binary is also the containers' init and monitor.
	engine.Reexec()
	testscript.Main(m, map[string]func(){
		// docker is what the scripts run: $PARITY_DOCKER (the real
		// CLI) or dockyard-docker, with its output masked.
		"docker":          func() { os.Exit(maskedDocker(os.Args[1:])) },
		"dockyard-docker": func() { os.Exit(dockyardDocker(os.Args[1:])) },
	})
}

// dockyardDocker is `dockyard docker` with main's exit code rules.
func dockyardDocker(args []string) int {
	f := factory.New("test")
	root := cli.NewRoot(f)
	root.AddCommand(docker.NewCmdDocker(f))
	return cli.Run(f, root, append([]string{"docker"}, args...))
}

// maskedDocker runs one docker command line through the front end under
// test and prints its output masked; it exits with the command's code.
func maskedDocker(args []string) int {
	bin := os.Getenv("PARITY_DOCKER")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("dockyard-docker"); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
	}
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, &stdout, &stderr
	err := cmd.Run()
	os.Stdout.WriteString(Mask(stdout.String()))
	os.Stderr.WriteString(Mask(stderr.String()))
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return ee.ExitCode()
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return 0
}

// masks replace what differs from run to run, whichever front end runs.
var masks = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\b[0-9a-f]{64}\b`), "<ID>"},
	{regexp.MustCompile(`\b[0-9a-f]{12}\b`), "<ID>"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?( [+-]\d{4} [A-Z]+)?`), "<TIME>"},
	{regexp.MustCompile(`(Less than a second|About a minute|About an hour|\d+ (seconds?|minutes?|hours?|days?|weeks?|months?|years?))`), "<AGO>"},
	{regexp.MustCompile(`\b(172\.(1[6-9]|2\d|3[01])|192\.168)\.\d+\.\d+`), "<IP>"},
	{regexp.MustCompile(`\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b`), "<MAC>"},
}

// randomPort is a host port from Linux's ephemeral range, as -P picks.
var randomPort = regexp.MustCompile(`:(3[2-9]|[4-6]\d)\d{3}\b`)

// Mask replaces ids, times, addresses and random host ports in out; the
// ports the script chose ($PORT1, $PORT2) stay.
func Mask(out string) string {
	for _, m := range masks {
		out = m.re.ReplaceAllString(out, m.with)
	}
	return randomPort.ReplaceAllStringFunc(out, func(p string) string {
		if p[1:] == os.Getenv("PORT1") || p[1:] == os.Getenv("PORT2") {
			return p
		}
		return ":<PORT>"
	})
}

// TestParity runs testdata/script/*.txtar through `dockyard docker`, then
// through the real docker CLI against `dockyard serve`. Each script and
// each front end gets an engine root of its own holding busybox:latest.
func TestParity(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs containers")
	}
	cliBin := realDocker()
	img := imagetest.Busybox(t)
	for _, frontEnd := range []string{"dockyard", "api"} {
		t.Run(frontEnd, func(t *testing.T) {
			if frontEnd == "api" && cliBin == "" {
				t.Skip("the docker client is not installed (.ci/setup installs it)")
			}
			testscript.Run(t, testscript.Params{
				Dir:  "testdata/script",
				Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"code": exitCode},
				Setup: func(env *testscript.Env) error {
					root := filepath.Join(env.WorkDir, ".dockyard")
					env.Setenv("DOCKYARD_ROOT", root)
					env.Setenv("FRONTEND", frontEnd)
					for _, name := range []string{"PORT1", "PORT2"} {
						l, err := net.Listen("tcp4", "127.0.0.1:0")
						if err != nil {
							return err
						}
						env.Setenv(name, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
						l.Close()
					}
					s, err := image.Open(root)
					if err != nil {
						return err
					}
					if _, err := s.Write(context.Background(), img, "busybox:latest"); err != nil {
						return err
					}
					env.Defer(func() { cleanupRoot(root) })
					if frontEnd != "api" {
						return nil
					}
					sock, stop, err := startServe(root, cliBin)
					if err != nil {
						return err
					}
					env.Defer(func() {
						if err := stop(); err != nil {
							env.T().Log("dockyard serve:", err)
						}
					})
					env.Setenv("PARITY_DOCKER", cliBin)
					env.Setenv("DOCKER_HOST", "unix://"+sock)
					env.Setenv("DOCKER_CONFIG", filepath.Join(env.WorkDir, ".docker"))
					env.Setenv("DOCKER_CLI_HINTS", "false")
					return nil
				},
			})
		})
	}
}

// realDocker finds the real docker client, or "".
func realDocker() string {
	for _, p := range []string{"/usr/local/bin/docker", "/usr/bin/docker"} {
		if fi, err := os.Stat(p); err == nil && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// startServe runs `dockyard serve` on root in this process, on a socket
// in a new directory, until stop.
func startServe(root, cliBin string) (sock string, stop func() error, err error) {
	dir, err := os.MkdirTemp("", "parity")
	if err != nil {
		return "", nil, err
	}
	sock = filepath.Join(dir, "docker.sock")
	f := factory.New("test")
	ios, _, _, stderr := iostreams.Test()
	f.IOStreams, f.Root = ios, root
	cmd := serve.NewCmdServe(f, nil)
	cmd.SetArgs([]string{"--socket", sock, "--group", ""})
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	stop = func() error {
		cancel()
		err := <-done
		os.RemoveAll(dir)
		return err
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		c := exec.Command(cliBin, "version", "--format", "{{.Server.APIVersion}}")
		c.Env = append(os.Environ(), "DOCKER_HOST=unix://"+sock, "DOCKER_CONFIG="+filepath.Join(dir, "config"))
		if out, err := c.Output(); err == nil && strings.TrimSpace(string(out)) != "" {
			return sock, stop, nil
		}
		select {
		case err := <-done:
			os.RemoveAll(dir)
			return "", nil, fmt.Errorf("dockyard serve ended: %v\n%s", err, stderr)
		default:
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, fmt.Errorf("dockyard serve did not answer on %s\n%s", sock, stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cleanupRoot removes every container a script left, so no monitor,
// mount or cgroup outlives the test, and the root's bridges.
func cleanupRoot(root string) {
	e, err := engine.Open(context.Background(), engine.Options{Root: root})
	if err != nil {
		return
	}
	all, _ := e.Containers.List()
	for _, c := range all {
		_ = e.RemoveContainer(context.Background(), c.ID, true, true)
	}
	if ns, err := e.Networks(); err == nil {
		_ = ns.Teardown(context.Background())
	}
}

// exitCode is the script command "code N command args...": it runs the
// command and checks its exit code, keeping its output for stdout and
// stderr checks.
func exitCode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: code N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("code: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("code: %v", err)
		}
		got = ee.ExitCode()
	}
	if (got == want) == neg {
		ts.Fatalf("%s exited %d, want %d", strings.Join(args[1:], " "), got, want)
	}
}
