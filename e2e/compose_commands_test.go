package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// composeProject writes files into a new project directory and returns
// the command line prefix that runs Dockyard's `docker compose` there
// under project name p; the project is taken down (volumes and local
// images too) when the test ends.
func composeProject(t *testing.T, p string, files map[string]string) string {
	t.Helper()
	needCompose(t)
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// -f as well as -p: with -p alone, down works from the containers'
	// labels and does not know which images the file builds.
	dc := fmt.Sprintf("cd %s && docker compose -f compose.yaml -p %s ", dir, p)
	t.Cleanup(func() { sh(t, dc+"down -v -t 0 --rmi local") })
	return dc
}

// composeFails runs a compose command that must fail and returns its
// standard error.
func composeFails(t *testing.T, line string) string {
	t.Helper()
	out, errOut, code := sh(t, line)
	if code == 0 {
		t.Fatalf("%s: exit 0, want a failure\nstdout: %s\nstderr: %s", line, out, errOut)
	}
	return errOut
}

// up --build builds a service's image, then run --rm, top, images, the
// lifecycle commands and down --rmi local, which removes the built image
// but not the pulled one.
func TestComposeBuildAndLifecycle(t *testing.T) {
	dc := composeProject(t, "e2ebuild", map[string]string{
		"compose.yaml": `services:
  app:
    build: .
    command: ["sleep", "300"]
    stop_grace_period: 1s
`,
		"Dockerfile": "FROM busybox\nRUN echo built-in-image > /built\n",
	})
	mustSh(t, dc+"up --build -d")
	if out := mustSh(t, `docker images --format '{{.Repository}}:{{.Tag}}'`); !strings.Contains(out, "e2ebuild-app:latest") {
		t.Errorf("docker images after up --build = %q, want e2ebuild-app:latest", out)
	}
	if out := mustSh(t, dc+"run --rm app cat /built"); strings.TrimSpace(out) != "built-in-image" {
		t.Errorf("compose run --rm app cat /built = %q, want the file the build wrote", out)
	}
	if out := mustSh(t, `docker ps -a --filter label=com.docker.compose.project=e2ebuild --format '{{.Names}}'`); strings.TrimSpace(out) != "e2ebuild-app-1" {
		t.Errorf("containers after run --rm = %q, want only e2ebuild-app-1", out)
	}
	if out := mustSh(t, dc+"top"); !strings.Contains(out, "sleep 300") || !strings.Contains(out, "UID") {
		t.Errorf("compose top = %q, want ps's table with sleep 300", out)
	}
	if out := mustSh(t, dc+"images"); !strings.Contains(out, "e2ebuild-app-1") || !strings.Contains(out, "e2ebuild-app") || !strings.Contains(out, "latest") {
		t.Errorf("compose images = %q, want the container's image e2ebuild-app latest", out)
	}
	state := func() string {
		return strings.TrimSpace(mustSh(t, dc+"ps -a --format '{{.State}}'"))
	}
	mustSh(t, dc+"stop")
	if s := state(); s != "exited" {
		t.Errorf("state after compose stop = %q, want exited", s)
	}
	mustSh(t, dc+"start")
	if s := state(); s != "running" {
		t.Errorf("state after compose start = %q, want running", s)
	}
	before := mustSh(t, `docker inspect -f '{{.State.StartedAt}}' e2ebuild-app-1`)
	mustSh(t, dc+"restart")
	if s, after := state(), mustSh(t, `docker inspect -f '{{.State.StartedAt}}' e2ebuild-app-1`); s != "running" || after == before {
		t.Errorf("after compose restart: state %q, started %q (before %q); want running, started again", s, after, before)
	}
	mustSh(t, dc+"down --rmi local -t 1")
	out := mustSh(t, `docker images --format '{{.Repository}}:{{.Tag}}'`)
	if strings.Contains(out, "e2ebuild-app") {
		t.Errorf("docker images after down --rmi local = %q, want the built image removed", out)
	}
	if !strings.Contains(out, "busybox:latest") {
		t.Errorf("docker images after down --rmi local = %q, want busybox kept (not local)", out)
	}
}

// Attached up: Compose follows the containers' output and ends when they
// do, with --exit-code-from's code; logs -f ends when its service ends.
func TestComposeAttached(t *testing.T) {
	dc := composeProject(t, "e2eattach", map[string]string{
		"compose.yaml": `services:
  job:
    image: busybox
    command: ["sh", "-c", "echo job ran; exit 3"]
  counter:
    image: busybox
    command: ["sh", "-c", "for i in 1 2 3; do echo tick $$i; sleep 1; done"]
`,
	})
	out, errOut, code := sh(t, dc+"up --exit-code-from job job")
	if code != 3 || !strings.Contains(out, "job-1  | job ran") || !strings.Contains(out, "job-1 exited with code 3") {
		t.Errorf("up --exit-code-from job = %d\nstdout: %s\nstderr: %s\nwant 3 and the job's line", code, out, errOut)
	}
	// A service that exits ends an attached up by itself: Compose
	// inspects the container on its die event and must see it exited
	// (not running, which it would wait on as restarting).
	out, errOut, code = sh(t, "timeout 60 sh -c '"+strings.ReplaceAll(dc, "'", `'\''`)+"up counter'")
	if code != 0 || !strings.Contains(out, "counter-1  | tick 3") || !strings.Contains(out, "counter-1 exited with code 0") {
		t.Errorf("attached up counter = %d\nstdout: %s\nstderr: %s\nwant 0 after tick 3", code, out, errOut)
	}
	mustSh(t, dc+"up -d counter")
	out, errOut, code = sh(t, "timeout 60 sh -c '"+strings.ReplaceAll(dc, "'", `'\''`)+"logs -f counter'")
	if code != 0 || !strings.Contains(out, "tick 1") || !strings.Contains(out, "tick 3") {
		t.Errorf("logs -f counter = %d\nstdout: %s\nstderr: %s\nwant the three ticks, then the end", code, out, errOut)
	}
}

// depends_on service_completed_successfully waits for a one-shot service;
// env_file and .env interpolation reach the container and config; pull
// works offline on the lesson images.
func TestComposeDependsOnCompletedAndEnv(t *testing.T) {
	dc := composeProject(t, "e2eenv", map[string]string{
		"compose.yaml": `services:
  migrate:
    image: busybox
    command: ["sh", "-c", "sleep 1; echo schema-v2 > /data/schema"]
    volumes:
      - data:/data
  app:
    image: ${APP_IMAGE}
    env_file: app.env
    environment:
      GREETING: ${GREETING:-unset}
    command: ["sh", "-c", "echo $$GREETING $$COLOUR $$(cat /data/schema); exec sleep 300"]
    stop_grace_period: 1s
    volumes:
      - data:/data
    depends_on:
      migrate:
        condition: service_completed_successfully
volumes:
  data:
`,
		".env":    "APP_IMAGE=busybox\nGREETING=hello-from-dotenv\n",
		"app.env": "COLOUR=blue\n",
	})
	cfg := mustSh(t, dc+"config")
	for _, want := range []string{"GREETING: hello-from-dotenv", "COLOUR: blue", "image: busybox"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("compose config =\n%s\nwant %q", cfg, want)
		}
	}
	mustSh(t, dc+"pull")
	mustSh(t, dc+"up -d --wait app")
	if s := mustSh(t, `docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' e2eenv-migrate-1`); strings.TrimSpace(s) != "exited 0" {
		t.Errorf("migrate after up = %q, want exited 0", s)
	}
	var logs string
	for range 50 {
		if logs = mustSh(t, "docker logs e2eenv-app-1"); logs != "" {
			break
		}
		sh(t, "sleep 0.2")
	}
	if strings.TrimSpace(logs) != "hello-from-dotenv blue schema-v2" {
		t.Errorf("app's output = %q, want .env's greeting, app.env's colour and the migration's file", logs)
	}
}

// Bad input as Compose reports it, with a non-zero exit; an up that fails
// half way (one service cannot start) leaves what down removes entirely.
func TestComposeBadInputAndFailedUp(t *testing.T) {
	needCompose(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	dc := fmt.Sprintf("cd %s && docker compose -p e2efail ", dir)
	t.Cleanup(func() { sh(t, dc+"down -v -t 0") })
	write := func(body string) {
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("services:\n  web:\n    image: nginx\n   ports: [80]\n")
	if e := composeFails(t, dc+"up -d"); !strings.Contains(e, "yaml") || !strings.Contains(e, "did not find expected key") {
		t.Errorf("up with broken YAML: stderr %q, want Compose's YAML error", e)
	}
	write("services:\n  web:\n    image: nginx\n    colour: blue\n")
	if e := composeFails(t, dc+"config"); !strings.Contains(e, "services.web.colour") {
		t.Errorf("config with an unknown key: stderr %q, want Compose's validation error", e)
	}
	write("services:\n  web:\n    image: no-such-image-here\n")
	if e := composeFails(t, dc+"up -d --pull never"); !strings.Contains(e, "no-such-image-here") {
		t.Errorf("up with a missing image: stderr %q, want an error naming the image", e)
	}
	write(`services:
  ok:
    image: busybox
    command: ["sleep", "300"]
    volumes:
      - kept:/kept
  broken:
    image: busybox
    command: ["/no/such/binary"]
    depends_on: [ok]
volumes:
  kept:
`)
	if e := composeFails(t, dc+"up -d"); !strings.Contains(e, "/no/such/binary") {
		t.Errorf("up with a missing binary: stderr %q, want the start error naming it", e)
	}
	if out := mustSh(t, `docker ps -a --filter label=com.docker.compose.project=e2efail --format '{{.Names}}'`); !strings.Contains(out, "e2efail-ok-1") {
		t.Errorf("after the failed up: containers %q, want e2efail-ok-1 left to remove", out)
	}
	mustSh(t, dc+"down -v -t 0")
	if out := mustSh(t, `docker ps -a --format '{{.Names}}'`); strings.Contains(out, "e2efail") {
		t.Errorf("docker ps -a after down = %q, want nothing of e2efail", out)
	}
	if out := mustSh(t, `docker network ls --format '{{.Name}}'`); strings.Contains(out, "e2efail") {
		t.Errorf("docker network ls after down = %q, want nothing of e2efail", out)
	}
	if out := mustSh(t, `docker volume ls --format '{{.Name}}'`); strings.Contains(out, "e2efail") {
		t.Errorf("docker volume ls after down -v = %q, want nothing of e2efail", out)
	}
}
