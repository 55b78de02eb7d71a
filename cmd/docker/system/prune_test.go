package system_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/engine/enginetest"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

func TestMain(m *testing.M) {
	// The test binary is also the containers' init and monitor.
	engine.Reexec()
	os.Exit(m.Run())
}

// dockerCLI runs one docker command line on root and returns its output
// and exit code.
func dockerCLI(t *testing.T, root, stdin string, args ...string) (string, int) {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.WriteString(stdin)
	f := &factory.Factory{IOStreams: ios, Root: root, Version: "test"}
	rootCmd := cli.NewRoot(f)
	rootCmd.AddCommand(docker.NewCmdDocker(f))
	code := cli.Run(f, rootCmd, append([]string{"docker"}, args...))
	return out.String() + errOut.String(), code
}

// rootWithBusybox is a new state root holding busybox:latest; it skips
// the test unless run as root (it runs containers).
func rootWithBusybox(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	root := t.TempDir()
	ctx := context.Background()
	e, err := engine.Open(ctx, engine.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if err := enginetest.WriteImage(e.Root(), imagetest.Busybox(t), "busybox:latest"); err != nil {
		t.Fatal(err)
	}
	return root
}

// docker system prune removes stopped containers, then what they held:
// unused networks, anonymous volumes (--volumes) and unused images (-a).
func TestSystemPrune(t *testing.T) {
	root := rootWithBusybox(t)
	t.Cleanup(func() { dockerCLI(t, root, "", "network", "reset") })
	for _, args := range [][]string{
		{"network", "create", "unused-net"},
		{"run", "--name", "stopped", "--network", "none", "-v", "/data", "busybox", "true"},
		{"run", "-d", "--name", "running", "--network", "none", "busybox", "sleep", "60"},
	} {
		if out, code := dockerCLI(t, root, "", args...); code != 0 {
			t.Fatalf("docker %s = %d: %s", strings.Join(args, " "), code, out)
		}
	}

	// Without -f it asks, and "n" removes nothing.
	out, code := dockerCLI(t, root, "n\n", "system", "prune", "--volumes")
	if code != 0 || !strings.Contains(out, "  - all anonymous volumes not used by at least one container\n") {
		t.Errorf("system prune answered n = %d:\n%s\nwant the warning listing anonymous volumes", code, out)
	}
	if out, _ := dockerCLI(t, root, "", "ps", "-aq"); strings.Count(out, "\n") != 2 {
		t.Fatalf("after answering n, ps -aq =\n%s\nwant both containers", out)
	}

	out, code = dockerCLI(t, root, "", "system", "prune", "-f", "--volumes", "-a")
	if code != 0 {
		t.Fatalf("system prune -f = %d:\n%s", code, out)
	}
	for _, want := range []string{"Deleted Containers:\n", "Deleted Networks:\nunused-net\n", "Deleted Volumes:\n", "Total reclaimed space: "} {
		if !strings.Contains(out, want) {
			t.Errorf("system prune -f output =\n%s\nwant it to contain %q", out, want)
		}
	}
	// The running container and its image stay.
	if out, _ := dockerCLI(t, root, "", "ps", "-a", "--format", "{{.Names}}"); out != "running\n" {
		t.Errorf("containers after prune = %q, want only \"running\"", out)
	}
	if out, _ := dockerCLI(t, root, "", "images", "-q"); strings.Count(out, "\n") != 1 {
		t.Errorf("images after prune -a = %q, want busybox (used by the running container)", out)
	}
	if out, _ := dockerCLI(t, root, "", "volume", "ls", "-q"); out != "" {
		t.Errorf("volumes after prune --volumes = %q, want none", out)
	}
	dockerCLI(t, root, "", "rm", "-f", "running")
}
