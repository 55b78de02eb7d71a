package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// composePlugin is Docker Compose as `make compose` builds it (.ci/setup
// runs it); linkCompose puts it beside the test's dockyard, where `docker
// compose` finds it.
const composePlugin = "../bin/cli-plugins/docker-compose"

func linkCompose(dir string) {
	abs, err := filepath.Abs(composePlugin)
	if err != nil {
		return
	}
	if _, err := os.Stat(abs); err != nil {
		return
	}
	_ = os.MkdirAll(filepath.Join(dir, "cli-plugins"), 0o755)
	_ = os.Symlink(abs, filepath.Join(dir, "cli-plugins", "docker-compose"))
}

func needCompose(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs containers")
	}
	if _, err := os.Stat(filepath.Join(binDir, "cli-plugins", "docker-compose")); err != nil {
		t.Fatalf("Docker Compose is not built: run make compose (make test does)")
	}
}

// composeFile is e2e/compose/compose.yaml: nginx published on $WEB_PORT,
// postgres with a named volume and a health check, busybox that starts once
// the database is healthy and fetches web's page by name.
func composeFile(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs("compose/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// checkProject checks what `up` made on the engine (through Dockyard's
// docker): the three containers with Compose's labels, the database
// healthy, web reachable on the host port and from client by name.
// Container names are project, service and number joined by sep ("-", or
// "_" for docker-compose 1).
func checkProject(t *testing.T, project, sep, port string) {
	t.Helper()
	out := mustSh(t, fmt.Sprintf(`docker ps --filter label=com.docker.compose.project=%s --format '{{.Names}} {{.Status}}'`, project))
	for _, svc := range []string{"web", "db", "client"} {
		if !strings.Contains(out, project+sep+svc+sep+"1 Up") {
			t.Errorf("docker ps of project %s:\n%s\nwant service %s up", project, out, svc)
		}
	}
	if !strings.Contains(out, "(healthy)") {
		t.Errorf("docker ps of project %s:\n%s\nwant db (healthy)", project, out)
	}
	if got := mustSh(t, `docker ps --filter health=healthy --format '{{.Names}}'`); !strings.Contains(got, project+sep+"db"+sep+"1") {
		t.Errorf("docker ps --filter health=healthy = %q, want the db container of %s", got, project)
	}
	resp, err := http.Get("http://127.0.0.1:" + port + "/")
	if err != nil {
		t.Errorf("GET the published web port %s: %v", port, err)
	} else {
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET the published web port %s = %d, want 200", port, resp.StatusCode)
		}
	}
	// client printed this once it reached http://web/.
	deadline := time.Now().Add(30 * time.Second)
	for {
		logs := mustSh(t, fmt.Sprintf("docker logs %s%sclient%s1", project, sep, sep))
		if strings.Contains(logs, "reached web") {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("docker logs of %s's client = %q, want %q", project, logs, "reached web")
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkGone checks that down -v left nothing of the project.
func checkGone(t *testing.T, project string) {
	t.Helper()
	if out := mustSh(t, fmt.Sprintf(`docker ps -a --filter label=com.docker.compose.project=%s -q`, project)); out != "" {
		t.Errorf("containers left after down -v: %q", out)
	}
	if out := mustSh(t, `docker volume ls -q`); strings.Contains(out, project+"_dbdata") {
		t.Errorf("volume %s_dbdata left after down -v: %q", project, out)
	}
	if out := mustSh(t, `docker network ls --format '{{.Name}}'`); strings.Contains(out, project+"_default") {
		t.Errorf("network %s_default left after down -v: %q", project, out)
	}
}

// Dockyard's own `docker compose`: up -d --wait, ps, logs, exec, down -v.
func TestComposeThroughDockyard(t *testing.T) {
	needCompose(t)
	file := composeFile(t)
	port := strconv.Itoa(freePort(t))
	dc := fmt.Sprintf("WEB_PORT=%s docker compose -p e2edock -f %s ", port, file)
	t.Cleanup(func() { sh(t, dc+"down -v") })
	mustSh(t, dc+"up -d --wait")
	checkProject(t, "e2edock", "-", port)
	ps := mustSh(t, dc+"ps --format '{{.Service}} {{.State}}'")
	for _, want := range []string{"web running", "db running", "client running"} {
		if !strings.Contains(ps, want) {
			t.Errorf("compose ps = %q, want a line %q", ps, want)
		}
	}
	if logs := mustSh(t, dc+"logs client"); !strings.Contains(logs, "reached web") {
		t.Errorf("compose logs client = %q, want %q", logs, "reached web")
	}
	if out := mustSh(t, dc+"exec -T db psql -U postgres -tAc 'select 40+2'"); strings.TrimSpace(out) != "42" {
		t.Errorf("compose exec db psql = %q, want 42", out)
	}
	// A recreate creates the new web while the old one still publishes the
	// port (Compose's create, stop, remove, rename): the create must not
	// find the port taken, as Docker's does not.
	mustSh(t, dc+"up -d --force-recreate --no-deps web")
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		resp, err := http.Get("http://127.0.0.1:" + port + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("GET the published web port after a recreate: %v", err)
			break
		}
	}
	if ps := mustSh(t, dc+"ps -a --format '{{.Name}} {{.State}}' web"); strings.TrimSpace(ps) != "e2edock-web-1 running" {
		t.Errorf("compose ps web after a recreate = %q, want e2edock-web-1 running", ps)
	}
	mustSh(t, dc+"down -v")
	checkGone(t, "e2edock")
}

// Bad input is reported as Compose reports it, and leaves nothing behind.
func TestComposeBadInput(t *testing.T) {
	needCompose(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "compose.yaml")
	if err := os.WriteFile(bad, []byte("services:\n  web:\n    image: nginx\n    colour: blue\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := sh(t, "docker compose -p e2ebad -f "+bad+" up -d")
	if code == 0 || !strings.Contains(errOut, "services.web.colour") {
		t.Errorf("up with an unknown key = exit %d, stderr %q; want Compose's validation error", code, errOut)
	}
	if err := os.WriteFile(bad, []byte("services:\n  web:\n    image: no-such-image-here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code = sh(t, "docker compose -p e2ebad -f "+bad+" up -d --pull never")
	if code == 0 || !strings.Contains(errOut, "no-such-image-here") {
		t.Errorf("up with a missing image = exit %d, stderr %q; want an error naming the image", code, errOut)
	}
	mustSh(t, "docker compose -p e2ebad -f "+bad+" down -v")
	checkGone(t, "e2ebad")
}

// serve starts `dockyard serve` on a socket of the test's and returns
// DOCKER_HOST for it.
func serve(t *testing.T) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	cmd := exec.Command(filepath.Join(binDir, "dockyard"), "--root", root, "serve", "--socket", sock, "--group", "")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, err := os.Stat(sock); err == nil {
			return "unix://" + sock
		}
	}
	t.Fatal("dockyard serve did not listen within 20s")
	return ""
}

// The real docker CLI with the same Compose plugin, on `dockyard serve`.
func TestComposeThroughDockerCLI(t *testing.T) {
	needCompose(t)
	dockerCLI := "/usr/local/bin/docker"
	if _, err := os.Stat(dockerCLI); err != nil {
		t.Fatalf("needs the real docker CLI at %s (.ci/setup installs it)", dockerCLI)
	}
	host := serve(t)
	cfg := t.TempDir()
	plugins, _ := filepath.Abs(filepath.Dir(composePlugin))
	if err := os.WriteFile(filepath.Join(cfg, "config.json"), []byte(fmt.Sprintf(`{"cliPluginsExtraDirs":[%q]}`, plugins)), 0o644); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(freePort(t))
	dc := fmt.Sprintf("WEB_PORT=%s DOCKER_HOST=%s DOCKER_CONFIG=%s %s compose -p e2ecli -f %s ", port, host, cfg, dockerCLI, composeFile(t))
	t.Cleanup(func() { sh(t, dc+"down -v") })
	mustSh(t, dc+"up -d --wait")
	checkProject(t, "e2ecli", "-", port)
	if out := mustSh(t, dc+"exec -T client wget -q -O - http://web/"); !strings.Contains(out, "Welcome to nginx") {
		t.Errorf("compose exec client wget http://web/ = %q, want nginx's page", out)
	}
	mustSh(t, dc+"down -v")
	checkGone(t, "e2ecli")
}

// Debian's docker-compose 1.29.2 (Python, docker-py), a second client no
// one here wrote, runs the same file on `dockyard serve`.
func TestDockerCompose1(t *testing.T) {
	needCompose(t)
	if _, err := os.Stat("/usr/bin/docker-compose"); err != nil {
		t.Fatalf("needs Debian's docker-compose (.ci/apt-packages)")
	}
	host := serve(t)
	port := strconv.Itoa(freePort(t))
	dc := fmt.Sprintf("WEB_PORT=%s DOCKER_HOST=%s /usr/bin/docker-compose -p e2epy -f %s ", port, host, composeFile(t))
	t.Cleanup(func() { sh(t, dc+"down -v") })
	mustSh(t, dc+"up -d")
	// 1.29 has no --wait: it started client once db was healthy.
	checkProject(t, "e2epy", "_", port)
	mustSh(t, dc+"down -v")
	checkGone(t, "e2epy")
}
