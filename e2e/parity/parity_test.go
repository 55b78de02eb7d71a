// Package parity runs one suite of docker command lines twice: through
// `dockyard docker` and through the real docker CLI against `dockyard
// serve` on an engine of its own, so the two front ends over the engine
// cannot drift apart. Outputs are compared, after masking ids, times,
// addresses and random ports, with the same expected text in both runs.
package parity

import (
	"archive/tar"
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

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/cmd/serve"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/engine/enginetest"
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
	cliBin := enginetest.DockerClient()
	img := imagetest.Busybox(t)
	for _, frontEnd := range []string{"dockyard", "api"} {
		t.Run(frontEnd, func(t *testing.T) {
			if frontEnd == "api" && cliBin == "" {
				t.Skip("the docker client is not installed (.ci/setup installs it)")
			}
			testscript.Run(t, testscript.Params{
				Dir:  "testdata/script",
				Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){"code": enginetest.ExitCode, "mktar": mktar},
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
					if err := enginetest.WriteImage(root, img, "busybox:latest"); err != nil {
						return err
					}
					env.Defer(func() { _ = enginetest.CleanupRoot(root) })
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
	stopServe, err := enginetest.StartServer(cliBin, sock, func(ctx context.Context) error {
		cmd := serve.NewCmdServe(f, nil)
		cmd.SetArgs([]string{"--socket", sock, "--group", ""})
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		return cmd.ExecuteContext(ctx)
	})
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("dockyard serve: %v\n%s", err, stderr)
	}
	return sock, func() error {
		defer os.RemoveAll(dir)
		return stopServe()
	}, nil
}

// mktar writes a tar file for `docker cp -` to read: `mktar FILE ENTRY...`,
// each ENTRY a file ("name", holding "pwned"), a folder ("name/") or a
// symlink ("name->target"), written as named, "../" and absolute names
// included, so scripts can send hostile archives.
func mktar(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: mktar FILE ENTRY...")
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range args[1:] {
		hdr := &tar.Header{Name: e, Mode: 0o644, Typeflag: tar.TypeReg, Size: int64(len("pwned\n"))}
		switch name, target, isLink := strings.Cut(e, "->"); {
		case isLink:
			hdr = &tar.Header{Name: name, Linkname: target, Mode: 0o777, Typeflag: tar.TypeSymlink}
		case strings.HasSuffix(e, "/"):
			hdr = &tar.Header{Name: e, Mode: 0o755, Typeflag: tar.TypeDir}
		}
		ts.Check(tw.WriteHeader(hdr))
		if hdr.Typeflag == tar.TypeReg {
			_, err := tw.Write([]byte("pwned\n"))
			ts.Check(err)
		}
	}
	ts.Check(tw.Close())
	ts.Check(os.WriteFile(ts.MkAbs(args[0]), buf.Bytes(), 0o644))
}
