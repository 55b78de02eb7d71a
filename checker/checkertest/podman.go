package checkertest

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

	"github.com/dockyard-lab/dockyard/checker/dockerapi"
)

// TestImage is the busybox image the backends load (WriteBusyboxArchive).
const TestImage = "localhost/ck-busybox:test"

// Podman is a private podman (own storage, run and network config
// directories) serving its Docker-compatible API on a unix socket; it is a
// Backend of the suite.
type Podman struct {
	CLI
	Dir string
	// Host is the API's address, unix:///.../api.sock.
	Host string
	base []string
	env  []string
}

// StartPodman starts `podman system service` configured as docs/design.md
// describes for this machine and loads a busybox image built from the
// host's binary. Everything it made is removed when the test ends,
// including netavark's firewall chains. It needs root and podman.
func StartPodman(t testing.TB) *Podman {
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
	t.Cleanup(func() { os.RemoveAll(dir) }) // runs last
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
	p := &Podman{Dir: dir, env: append(os.Environ(), "CONTAINERS_CONF="+conf),
		base: []string{"--root", filepath.Join(dir, "root"), "--runroot", filepath.Join(dir, "run"), "--tmpdir", filepath.Join(dir, "tmp")}}
	tablesBefore := nftTables(t)

	sock := filepath.Join(dir, "api.sock")
	p.Host = "unix://" + sock
	svc := exec.Command(bin, append(slices.Clone(p.base), "system", "service", "--time=0", p.Host)...)
	svc.Env = p.env
	var svcLog bytes.Buffer
	svc.Stdout, svc.Stderr = &svcLog, &svcLog
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Podman(t, "rm", "-af", "-t", "0")
		p.Podman(t, "network", "prune", "-f")
		p.Podman(t, "volume", "prune", "-f")
		svc.Process.Kill()
		svc.Wait()
		p.Podman(t, "system", "reset", "-f")
		removeNetavarkRules(t, tablesBefore)
	})
	e, err := dockerapi.Open(p.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := e.Ping(ctx)
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("podman service did not answer on %s: %v\n%s", sock, err, svcLog.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.CLI = CLI{Command: append([]string{"podman"}, p.base...), Env: p.env, Img: TestImage, Eng: e, RealNetNS: true}
	archive := filepath.Join(dir, "busybox.tar")
	WriteBusyboxArchive(t, archive, TestImage)
	p.Podman(t, "load", "-q", "-i", archive)
	return p
}

// Podman runs the podman command line on this podman's storage.
func (p *Podman) Podman(t testing.TB, args ...string) string {
	t.Helper()
	cmd := exec.Command("podman", append(slices.Clone(p.base), args...)...)
	cmd.Env = p.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// DockerShim writes a directory holding a `docker` script that runs this
// podman's command line (docker-compatible), for lesson scripts; put it
// first on PATH together with Env.
func (p *Podman) DockerShim(t testing.TB) string {
	dir := t.TempDir()
	script := "#!/bin/sh\nexec podman " + strings.Join(p.base, " ") + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Env is the environment podman's command line needs (CONTAINERS_CONF).
func (p *Podman) Env() []string { return slices.Clone(p.env) }

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
