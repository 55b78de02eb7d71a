package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// freePort returns a loopback port nobody listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestPostgresEnvironment checks the image's entrypoint against the
// environment Docker Hub's postgres image honours.
func TestPostgresEnvironment(t *testing.T) {
	needs(t)
	mustSh(t, "dockyard images prepare postgres")
	name := "dockyard-e2e-pgenv"
	cleanupContainers(t, name)

	t.Run("--version only prints, with no password", func(t *testing.T) {
		out := mustSh(t, "docker run --rm postgres postgres --version")
		if !strings.HasPrefix(out, "postgres (PostgreSQL) 15.") {
			t.Errorf("postgres --version printed %q, want the server's version", out)
		}
	})

	t.Run("no password is refused with Docker's message", func(t *testing.T) {
		sh(t, "docker rm -fv "+name)
		mustSh(t, "docker run -d --name "+name+" postgres")
		deadline := time.Now().Add(time.Minute)
		for {
			logs, errLogs, _ := sh(t, "docker logs "+name)
			if strings.Contains(logs+errLogs, "superuser password is not specified") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("logs lack the missing-password error:\n%s%s", logs, errLogs)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if code := strings.TrimSpace(mustSh(t, "docker wait "+name)); code != "1" {
			t.Errorf("exit code = %s, want 1", code)
		}
	})

	t.Run("default user, own database, a password with quotes", func(t *testing.T) {
		sh(t, "docker rm -fv "+name)
		port := freePort(t)
		password := `it's "quoted"`
		mustSh(t, fmt.Sprintf(`docker run -d --name %s -p %d:5432 -e POSTGRES_PASSWORD='it'"'"'s "quoted"' -e POSTGRES_DB=shop postgres`, name, port))
		deadline := time.Now().Add(2 * time.Minute)
		for {
			cmd := exec.Command("psql", "-h", "127.0.0.1", "-p", fmt.Sprint(port), "-U", "postgres", "-d", "shop", "-Atc", "select current_user || '@' || current_database()")
			cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=2")
			out, err := cmd.CombinedOutput()
			if err == nil {
				if got := strings.TrimSpace(string(out)); got != "postgres@shop" {
					t.Errorf("connected as %q, want postgres@shop", got)
				}
				return
			}
			if time.Now().After(deadline) {
				logs, errLogs, _ := sh(t, "docker logs "+name)
				t.Fatalf("psql: %v: %s\nlogs:\n%s%s", err, out, logs, errLogs)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
