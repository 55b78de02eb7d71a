package dockerapi_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/checkertest"
	"github.com/dockyard-lab/dockyard/checker/dockerapi"
)

const podmanImage = "localhost/ck-busybox:test"

// podman is a private podman (own storage, run and network config
// directories) serving its Docker-compatible API on a unix socket.
type podman struct {
	dir    string
	base   []string
	env    []string
	engine *dockerapi.Engine
}

// startPodman starts `podman system service` as docs/design.md describes
// for this machine and loads a busybox image built from the host's binary.
func startPodman(t testing.TB) *podman {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	bin, err := exec.LookPath("podman")
	if err != nil {
		t.Fatal("podman is not installed (Debian package podman, listed in .ci/apt-packages)")
	}
	dir, err := os.MkdirTemp("/tmp", "ckpod")
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "containers.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf(`[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_config_dir = %q
`, filepath.Join(dir, "net"))), 0o644)
	p := &podman{dir: dir, env: append(os.Environ(), "CONTAINERS_CONF="+conf),
		base: []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"), "--tmpdir", filepath.Join(dir, "tmp")}}
	tablesBefore := nftTables(t)

	sock := filepath.Join(dir, "api.sock")
	svc := exec.Command(bin, append(p.base, "system", "service", "--time=0", "unix://"+sock)...)
	svc.Env = p.env
	var svcLog bytes.Buffer
	svc.Stdout, svc.Stderr = &svcLog, &svcLog
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.podman(t, "rm", "-af", "-t", "0")
		p.podman(t, "network", "prune", "-f")
		p.podman(t, "volume", "prune", "-f")
		svc.Process.Kill()
		svc.Wait()
		p.podman(t, "system", "reset", "-f")
		removeNetavarkRules(t, tablesBefore)
		os.RemoveAll(dir)
	})
	e, err := dockerapi.Open("unix://" + sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := e.Client().Ping(ctx, client.PingOptions{})
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("podman service did not answer on %s: %v\n%s", sock, err, svcLog.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.engine = e
	archive := filepath.Join(dir, "busybox.tar")
	checkertest.WriteBusyboxArchive(t, archive, podmanImage)
	p.podman(t, "load", "-q", "-i", archive)
	return p
}

func (p *podman) podman(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command("podman", append(slices.Clone(p.base), args...)...)
	cmd.Env = p.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (p *podman) Engine() checker.Engine { return p.engine }
func (p *podman) Image() string          { return podmanImage }
func (p *podman) NetNS() bool            { return true }

func (p *podman) Run(t testing.TB, c checkertest.Container) {
	args := []string{"run", "-d", "--name", c.Name}
	for _, e := range c.Env {
		args = append(args, "-e", e)
	}
	for k, v := range c.Labels {
		args = append(args, "--label", k+"="+v)
	}
	if c.Network != "" {
		args = append(args, "--network", c.Network)
	}
	for _, a := range c.Aliases {
		args = append(args, "--network-alias", a)
	}
	for _, pub := range c.Publish {
		args = append(args, "-p", fmt.Sprintf("%s:%d:%d", pub.HostIP, pub.HostPort, pub.ContainerPort))
	}
	for _, m := range c.Mounts {
		v := m.Source + ":" + m.Destination
		if m.ReadOnly {
			v += ":ro"
		}
		args = append(args, "-v", v)
	}
	if c.Restart != "" {
		args = append(args, "--restart", c.Restart)
	}
	p.podman(t, append(append(args, podmanImage), c.Cmd...)...)
	if c.Exited {
		p.podman(t, "wait", c.Name)
	}
}

func (p *podman) CreateNetwork(t testing.TB, name, subnet string) {
	p.podman(t, "network", "create", "--subnet", subnet, name)
}

func (p *podman) CreateVolume(t testing.TB, name string, files map[string]string) {
	p.podman(t, "volume", "create", name)
	mp := p.podman(t, "volume", "inspect", "--format", "{{.Mountpoint}}", name)
	for path, content := range files {
		if err := os.WriteFile(filepath.Join(mp, path), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPodmanCompatAPI runs the shared suite against podman's
// Docker-compatible API: the checker on real containers, namespaces and
// published ports.
func TestPodmanCompatAPI(t *testing.T) {
	checkertest.Run(t, startPodman(t))
}

func nftTables(t testing.TB) []string {
	out, err := exec.Command("nft", "list", "tables").Output()
	if err != nil {
		t.Fatalf("nft list tables: %v", err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// removeNetavarkRules undoes what netavark leaves behind after its last
// network is gone: its NETAVARK chains, the rules that jump to them, and the
// iptables-nft tables it created when there were none before.
func removeNetavarkRules(t testing.TB, tablesBefore []string) {
	for _, tool := range []string{"iptables", "ip6tables"} {
		out, err := exec.Command(tool + "-save").Output()
		if err != nil {
			continue
		}
		var table string
		var chains [][2]string
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "*"):
				table = line[1:]
			case strings.HasPrefix(line, ":NETAVARK"):
				chains = append(chains, [2]string{table, strings.Fields(line[1:])[0]})
			case strings.HasPrefix(line, "-A ") && strings.Contains(line, "-j NETAVARK") && !strings.HasPrefix(line, "-A NETAVARK"):
				args := append([]string{"-t", table, "-D"}, splitRule(line[3:])...)
				if out, err := exec.Command(tool, args...).CombinedOutput(); err != nil {
					t.Errorf("%s %v: %v %s", tool, args, err, out)
				}
			}
		}
		for _, c := range chains {
			exec.Command(tool, "-t", c[0], "-F", c[1]).Run()
		}
		for _, c := range chains {
			if out, err := exec.Command(tool, "-t", c[0], "-X", c[1]).CombinedOutput(); err != nil {
				t.Errorf("%s -t %s -X %s: %v %s", tool, c[0], c[1], err, out)
			}
		}
	}
	for _, table := range nftTables(t) {
		if table != "" && !slices.Contains(tablesBefore, table) && (strings.HasSuffix(table, " nat") || strings.HasSuffix(table, " filter")) {
			fields := strings.Fields(table) // table ip nat
			if out, err := exec.Command("nft", "delete", "table", fields[1], fields[2]).CombinedOutput(); err != nil {
				t.Errorf("nft delete %s: %v %s", table, err, out)
			}
		}
	}
}

// splitRule splits an iptables-save rule into arguments, keeping quoted
// comments whole.
func splitRule(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}
