package dockerapi_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/dockerapi"
)

// serveUnix answers the Engine API on a unix socket with h.
func serveUnix(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "api.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "unix://" + sock
}

// The daemon's answers become the checker's errors: 404 is not found, 409
// on exec is a stopped container, others keep the daemon's message.
func TestDaemonErrors(t *testing.T) {
	host := serveUnix(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/containers/web/exec":
			w.WriteHeader(http.StatusConflict)
			w.Write([]byte(`{"message":"container web is not running"}`))
		case strings.HasPrefix(r.URL.Path, "/volumes"):
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte(`{"message":"disk on fire"}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"No such container: web"}`))
		}
	})
	e, err := dockerapi.Open(host)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	if _, err := e.Container(ctx, "web"); !errors.Is(err, checker.ErrNotFound) {
		t.Errorf("Container(web) = %v, want checker.ErrNotFound", err)
	}
	if _, err := e.Exec(ctx, "web", []string{"true"}, ""); !errors.Is(err, checker.ErrNotRunning) {
		t.Errorf("Exec(web) = %v, want checker.ErrNotRunning", err)
	}
	_, err = e.Volumes(ctx)
	if want := "list volumes: Error response from daemon: disk on fire"; err == nil || err.Error() != want {
		t.Errorf("Volumes() = %v, want %q", err, want)
	}
}

// A daemon that is not there is not a missing container.
func TestNoDaemon(t *testing.T) {
	host := "unix://" + filepath.Join(t.TempDir(), "none.sock")
	e, err := dockerapi.Open(host)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	_, err = e.Container(context.Background(), "web")
	if err == nil || errors.Is(err, checker.ErrNotFound) || !strings.Contains(err.Error(), "Cannot connect to the Docker daemon at "+host) {
		t.Errorf("Container(web) with no daemon = %v, want a connection error", err)
	}
	if _, err := dockerapi.Open("ftp://x"); err == nil {
		t.Errorf("Open(ftp://x) = nil error, want one")
	}
}

// A container whose image reference was untagged or moved is listed by its
// image's ID (moby's refreshImage); the checker's Image stays the reference
// it was created from, which its record keeps, so a rebuilt image is told.
func TestContainersKeepTheirReference(t *testing.T) {
	const id = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	host := serveUnix(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/containers/json":
			w.Write([]byte(`[{"Id": "c1", "Names": ["/old"], "Image": "` + id + `", "ImageID": "` + id + `", "State": "exited"},
				{"Id": "c2", "Names": ["/new"], "Image": "myapp:latest", "ImageID": "sha256:22", "State": "running"}]`))
		case "/containers/c1/json":
			w.Write([]byte(`{"Id": "c1", "Name": "/old", "Image": "` + id + `", "Config": {"Image": "myapp:latest"}}`))
		default:
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"page not found"}`))
		}
	})
	e, err := dockerapi.Open(host)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	cs, err := e.Containers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Name+"="+c.Image)
	}
	if want := "old=myapp:latest new=myapp:latest"; strings.Join(got, " ") != want {
		t.Errorf("Containers() images = %v, want %s", got, want)
	}
}
