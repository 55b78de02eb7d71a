package network_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/vishvananda/netlink"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/engine/enginetest"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// TestMain makes `docker` a command of the scripts (all of `dockyard
// docker`, with main's exit codes); the test binary is also the
// containers' init and monitor.
func TestMain(m *testing.M) {
	engine.Reexec()
	testscript.Main(m, map[string]func(){
		"docker": func() { os.Exit(dockerMain(os.Args[1:])) },
	})
}

func dockerMain(args []string) int {
	f := factory.New("test")
	root := cli.NewRoot(f)
	root.AddCommand(docker.NewCmdDocker(f))
	return cli.Run(f, root, append([]string{"docker"}, args...))
}

// TestScripts runs testdata/*.txtar: the network and volume commands alone,
// on an engine root of their own.
func TestScripts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	runScripts(t, "testdata", false)
}

// TestEngineScripts runs testdata/engine/*.txtar: containers on networks
// and volumes, end to end, with busybox:latest (from Debian's
// busybox-static) in each script's root.
func TestEngineScripts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	runScripts(t, "testdata/engine", true)
}

func runScripts(t *testing.T, dir string, withBusybox bool) {
	var img = imagetest.Busybox(t)
	testscript.Run(t, testscript.Params{
		Dir: dir,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"httpget":     httpGet,
			"killmonitor": killMonitor,
			"veths":       veths,
			"distinctips": distinctIPs,
		},
		Setup: func(env *testscript.Env) error {
			root := filepath.Join(env.WorkDir, ".dockyard")
			env.Setenv("DOCKYARD_ROOT", root)
			// Containers' DNS must not leave the machine: the only upstream
			// is a loopback address where nothing answers.
			rc := filepath.Join(env.WorkDir, ".resolv.conf")
			if err := os.WriteFile(rc, []byte("nameserver 127.0.0.53\n"), 0o644); err != nil {
				return err
			}
			env.Setenv("DOCKYARD_RESOLV_CONF", rc)
			// Host ports free now, so that scripts do not collide with
			// whatever else runs on the machine.
			for _, name := range []string{"PORT1", "PORT2"} {
				l, err := net.Listen("tcp4", "127.0.0.1:0")
				if err != nil {
					return err
				}
				env.Setenv(name, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
				l.Close()
			}
			if withBusybox {
				if err := enginetest.WriteImage(root, img, "busybox:latest"); err != nil {
					return err
				}
			}
			env.Defer(func() { _ = enginetest.CleanupRoot(root) })
			return nil
		},
	})
}

// httpGet is "httpget URL": the body goes to stdout. The server in the
// container may still be starting, so a failure is retried for a while.
func httpGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: httpget URL")
	}
	c := &http.Client{Timeout: 5 * time.Second}
	var body []byte
	var err error
	for range 50 {
		var resp *http.Response
		if resp, err = c.Get(args[0]); err == nil {
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
		}
		if err == nil || neg {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	ts.Stdout().Write(body)
	if (err != nil) != neg {
		ts.Fatalf("httpget %s: %v", args[0], err)
	}
}

// killMonitor is "killmonitor NAME": SIGKILL to the container's monitor,
// as a crash would do.
func killMonitor(ts *testscript.TestScript, neg bool, args []string) {
	cs, err := container.Open(ts.Getenv("DOCKYARD_ROOT"))
	ts.Check(err)
	c, err := cs.Get(args[0])
	ts.Check(err)
	if c.State.MonitorPid == 0 {
		ts.Fatalf("container %s has no monitor", args[0])
	}
	ts.Check(syscall.Kill(c.State.MonitorPid, syscall.SIGKILL))
	for range 100 {
		if syscall.Kill(c.State.MonitorPid, 0) != nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// veths is "veths N": the root has N veths on the host, waiting up to ten
// seconds for ones whose namespace is gone (the kernel destroys those
// asynchronously).
func veths(ts *testscript.TestScript, neg bool, args []string) {
	prefix := network.Prefix(ts.Getenv("DOCKYARD_ROOT")) + "v"
	var got []string
	for range 200 {
		got = got[:0]
		links, err := netlink.LinkList()
		ts.Check(err)
		for _, l := range links {
			if strings.HasPrefix(l.Attrs().Name, prefix) {
				got = append(got, l.Attrs().Name)
			}
		}
		if fmt.Sprint(len(got)) == args[0] {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	ts.Fatalf("veths of this root: %v, want %s", got, args[0])
}

// distinctIPs is "distinctips N": the `docker network inspect` output in
// stdout lists N containers, each with its own address.
func distinctIPs(ts *testscript.TestScript, neg bool, args []string) {
	var nets []struct {
		Containers map[string]struct{ IPv4Address string }
	}
	ts.Check(json.Unmarshal([]byte(ts.ReadFile("stdout")), &nets))
	seen := map[string]bool{}
	for _, n := range nets {
		for id, c := range n.Containers {
			if seen[c.IPv4Address] {
				ts.Fatalf("address %s handed out twice (again to %s)", c.IPv4Address, id)
			}
			seen[c.IPv4Address] = true
		}
	}
	if fmt.Sprint(len(seen)) != args[0] {
		ts.Fatalf("%d distinct addresses, want %s", len(seen), args[0])
	}
}
