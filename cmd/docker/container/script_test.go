package container_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/engine/enginetest"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

func TestMain(m *testing.M) {
	// The test binary is also the containers' init and monitor.
	engine.Reexec()
	testscript.Main(m, map[string]func(){
		"docker": func() { os.Exit(dockerMain(os.Args[1:])) },
	})
}

// dockerMain is `dockyard docker` with main's exit code rules (cmd/cli),
// for the scripts.
func dockerMain(args []string) int {
	f := factory.New("test")
	root := cli.NewRoot(f)
	root.AddCommand(docker.NewCmdDocker(f))
	return cli.Run(f, root, append([]string{"docker"}, args...))
}

// TestScripts runs testdata/script/*.txtar. Each script gets its own
// engine root holding busybox:latest, made from Debian's busybox-static
// (unless the script has a file .empty-engine), and $MIRROR, a loopback registry with library/busybox:latest for pulls.
func TestScripts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	img := imagetest.Busybox(t)
	reg := imagetest.Registry(t)
	imagetest.Push(t, reg+"/library/busybox:latest", img)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"code": enginetest.ExitCode,
		},
		Setup: func(env *testscript.Env) error {
			root := filepath.Join(env.WorkDir, ".dockyard")
			env.Setenv("DOCKYARD_ROOT", root)
			env.Setenv("MIRROR", "http://"+reg)
			env.Setenv("REGISTRY", reg) // for names that must not reach Docker Hub
			env.Setenv("DOCKYARD_REGISTRY_MIRROR", "http://"+reg)
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
			// A script holding a file .empty-engine starts without images.
			if _, err := os.Stat(filepath.Join(env.WorkDir, ".empty-engine")); err != nil {
				if err := enginetest.WriteImage(root, img, "busybox:latest"); err != nil {
					return err
				}
			}
			env.Defer(func() { _ = enginetest.CleanupRoot(root) })
			return nil
		},
	})
}
