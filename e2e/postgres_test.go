// Package e2e runs the course's practice tasks end to end, as a student
// types them: through the binary's "docker" symlink, against a real state
// root, with real clients (psql). The lesson images come from a baked cache
// shared by the whole test run (see docs/lesson-images.md).
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The practice task (source notes, 000), exactly as written there; HOSTDIR
// is the student's host folder.
const (
	practicePull = `docker pull postgres`
	practiceRun  = `docker run -d --name postgres-sample -p 5433:5432 -e POSTGRES_USER=admin1 -e POSTGRES_PASSWORD=admin2 -e PGDATA=/var/lib/postgresql/data/pgdata -v HOSTDIR:/var/lib/postgresql/data:z postgres`
)

var (
	binDir string // holds dockyard and the docker symlink
	root   string // the engine's state root
)

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 {
		// Every test here skips with its reason; nothing to build.
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "dockyard-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		gobin := "go"
		if _, err := exec.LookPath(gobin); err != nil {
			gobin = "/usr/local/go/bin/go"
		}
		// The two binaries side by side, as make install puts them:
		// docker commands run in dockyard, monitors and container inits in
		// dockyard-monitor.
		for _, name := range []string{"dockyard", "dockyard-monitor"} {
			build := exec.Command(gobin, "build", "-tags", "seccomp,netgo,osusergo", "-o", filepath.Join(dir, name), "../cmd/"+name)
			build.Env = append(os.Environ(), "CGO_ENABLED=1")
			if out, err := build.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "build %s: %v\n%s", name, err, out)
				return 1
			}
		}
		if err := os.Symlink("dockyard", filepath.Join(dir, "docker")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		linkCompose(dir)
		binDir = dir
		root = testRoot()
		code := m.Run()
		// Leave no bridge or NAT rule of this root behind.
		reset := exec.Command(filepath.Join(dir, "dockyard"), "--root", root, "docker", "network", "reset")
		if out, err := reset.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "network reset: %v\n%s", err, out)
		}
		return code
	}()
	os.Exit(code)
}

// testRoot is the state root the end-to-end tests share: $DOCKYARD_TEST_ROOT,
// else /var/cache/dockyard-test, where .ci/setup bakes the lesson images
// once per machine ("dockyard images prepare --root ...").
func testRoot() string {
	if r := os.Getenv("DOCKYARD_TEST_ROOT"); r != "" {
		return r
	}
	return "/var/cache/dockyard-test"
}

// sh runs a command line as typed in a shell whose PATH finds Dockyard's
// docker first.
func sh(t testing.TB, line string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Env = append(os.Environ(), "PATH="+binDir+":"+os.Getenv("PATH"), "DOCKYARD_ROOT="+root)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		t.Fatalf("%s: %v", line, err)
	}
	return out.String(), errb.String(), code
}

func mustSh(t testing.TB, line string) string {
	t.Helper()
	out, errOut, code := sh(t, line)
	if code != 0 {
		t.Fatalf("%s: exit %d\nstdout: %s\nstderr: %s", line, code, out, errOut)
	}
	return out
}

// psql runs one statement with the real client as the student would.
func psql(password, sql string) (string, error) {
	cmd := exec.Command("psql", "-h", "127.0.0.1", "-p", "5433", "-U", "admin1", "-v", "ON_ERROR_STOP=1", "-Atc", sql)
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=2")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("psql %q: %v: %s", sql, err, out)
	}
	return string(out), nil
}

// waitForPsql polls until the server answers; the deadline only bounds a
// broken run, it is not a speed assertion.
func waitForPsql(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		_, err := psql("admin2", "select 1")
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			logs, errLogs, _ := sh(t, "docker logs postgres-sample")
			t.Fatalf("postgres did not answer psql: %v\ncontainer logs:\n%s%s", err, logs, errLogs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func needs(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs containers")
	}
	if _, err := exec.LookPath("psql"); err != nil {
		t.Skip("needs the psql client (apt-get install postgresql-client)")
	}
}

// cleanupContainers removes the named containers before and after the
// test, with their anonymous volumes (the postgres image declares one), so
// the shared state root does not fill up run after run.
func cleanupContainers(t testing.TB, names ...string) {
	sh(t, "docker rm -fv "+strings.Join(names, " "))
	t.Cleanup(func() { sh(t, "docker rm -fv "+strings.Join(names, " ")) })
}

func TestPostgresPracticeTask(t *testing.T) {
	needs(t)
	cleanupContainers(t, "postgres-sample", "postgres-second")
	// Bake (or find baked) the lesson image first, so the pull below only
	// has to find it.
	mustSh(t, "dockyard images prepare postgres")

	hostDir := t.TempDir()
	run := strings.ReplaceAll(practiceRun, "HOSTDIR", hostDir)

	mustSh(t, practicePull)
	mustSh(t, run)
	waitForPsql(t)

	if _, err := psql("admin2", "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'kept across containers')"); err != nil {
		t.Fatal(err)
	}
	if db, err := psql("admin2", "select current_database()"); err != nil || strings.TrimSpace(db) != "admin1" {
		t.Errorf("current_database() = %q, %v; want admin1 (POSTGRES_DB defaults to POSTGRES_USER)", db, err)
	}

	t.Run("wrong password is refused", func(t *testing.T) {
		out, err := psql("wrong-password", "select 1")
		if err == nil || !strings.Contains(out, "password authentication failed") {
			t.Errorf("psql with a wrong password = %q, %v; want password authentication failed", out, err)
		}
	})

	t.Run("a second container on the same port gets a clear error", func(t *testing.T) {
		second := strings.NewReplacer("postgres-sample", "postgres-second", hostDir, t.TempDir()).Replace(run)
		out, errOut, code := sh(t, second)
		if code == 0 {
			t.Fatalf("%s: exit 0, want a port conflict error\n%s", second, out)
		}
		// Docker 28's form: one line with the daemon's error, then its
		// pointer to the command's help.
		first, rest, _ := strings.Cut(strings.TrimSpace(errOut), "\n")
		if !strings.Contains(first, "port 5433") && !strings.Contains(first, ":5433 ") || strings.TrimSpace(rest) != "Run 'docker run --help' for more information" {
			t.Errorf("port conflict error = %q, want one line naming port 5433 and Docker's help pointer", errOut)
		}
	})

	// A stop is a clean shutdown; rm -f and the same run again finds the
	// data in the host folder.
	mustSh(t, "docker stop postgres-sample")
	if logs, errLogs, _ := sh(t, "docker logs postgres-sample"); !strings.Contains(logs+errLogs, "database system is shut down") {
		t.Errorf("logs after docker stop lack a clean shutdown:\n%s%s", logs, errLogs)
	}
	mustSh(t, "docker rm -f postgres-sample")
	if _, err := os.Stat(filepath.Join(hostDir, "pgdata", "PG_VERSION")); err != nil {
		t.Fatalf("host folder has no cluster in pgdata: %v", err)
	}
	mustSh(t, run)
	waitForPsql(t)
	got, err := psql("admin2", "SELECT body FROM notes WHERE id = 1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "kept across containers" {
		t.Errorf("row after rm -f and a new run = %q, want %q", got, "kept across containers")
	}
}

// A host folder only root may enter (mktemp -d makes mode 0700) works as
// one made with mkdir: the postgres user gets through it to PGDATA below.
func TestPostgresPrivateHostFolder(t *testing.T) {
	needs(t)
	cleanupContainers(t, "postgres-sample")
	mustSh(t, "dockyard images prepare postgres")
	hostDir := t.TempDir()
	if err := os.Chmod(hostDir, 0o700); err != nil {
		t.Fatal(err)
	}
	mustSh(t, strings.ReplaceAll(practiceRun, "HOSTDIR", hostDir))
	waitForPsql(t)
	if _, err := psql("admin2", "CREATE TABLE kept (id int)"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(hostDir)
	if err != nil {
		t.Fatal(err)
	}
	// Search permission for others, nothing more: the cluster's files stay
	// unreadable to other users of the host.
	if got := fi.Mode().Perm(); got != 0o701 {
		t.Errorf("host folder mode = %o, want 701", got)
	}
}

// BenchmarkPostgresFirstStart measures the practice task's docker run on
// an empty host folder until psql answers (initdb included).
func BenchmarkPostgresFirstStart(b *testing.B) {
	needs(b)
	mustSh(b, "dockyard images prepare postgres")
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		sh(b, "docker rm -fv postgres-sample")
		run := strings.ReplaceAll(practiceRun, "HOSTDIR", b.TempDir())
		b.StartTimer()
		mustSh(b, run)
		waitForPsql(b)
	}
	b.StopTimer()
	sh(b, "docker rm -fv postgres-sample")
}
