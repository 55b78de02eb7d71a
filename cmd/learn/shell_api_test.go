package learn

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

// dockyard shell serves the Engine API while it runs: DOCKER_HOST points at
// a root-only socket that answers, and the socket is gone once the shell is.
func TestShellServesTheEngineAPI(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	ios, _, _, _ := iostreams.Test()
	f := &factory.Factory{IOStreams: ios, Root: t.TempDir(), Version: "test"}
	socket := filepath.Join(t.TempDir(), "docker.sock")

	stop, host, err := serveAPI(f, socket)
	if err != nil {
		t.Fatalf("serveAPI() error = %v", err)
	}
	if want := "unix://" + socket; host != want {
		t.Errorf("serveAPI() host = %q, want %q", host, want)
	}
	fi, err := os.Stat(socket)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o660 {
		t.Errorf("socket mode = %v, want 0660 (root only)", perm)
	}

	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", socket)
		},
	}}
	resp, err := client.Get("http://docker/_ping")
	if err != nil {
		t.Fatalf("GET /_ping: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "OK" || resp.Header.Get("Api-Version") == "" {
		t.Errorf("GET /_ping = %q (Api-Version %q), want OK with an API version", body, resp.Header.Get("Api-Version"))
	}

	stop()
	if _, err := os.Stat(socket); !os.IsNotExist(err) {
		t.Errorf("socket after stop: %v, want it removed", err)
	}
	if _, err := client.Get("http://docker/_ping"); err == nil || !strings.Contains(err.Error(), "docker.sock") {
		t.Errorf("GET /_ping after stop: err = %v, want a dial error", err)
	}
}
