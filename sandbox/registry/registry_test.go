package registry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// serveEnv, when set, makes the test binary act as the registry server
// process that Start runs (its value is the state root).
const serveEnv = "DOCKYARD_TEST_REGISTRY_ROOT"

func TestMain(m *testing.M) {
	if root := os.Getenv(serveEnv); root != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
		defer stop()
		if err := ServeInherited(ctx, root, nil); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestHandlerKeepsPushedImagesAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := img.Digest()

	h, err := Handler(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	host := strings.TrimPrefix(srv.URL, "http://")
	ref, _ := name.ParseReference(host + "/lesson/app:v1")
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("push: %v", err)
	}
	srv.Close()

	// A new handler on the same folder is what a restarted registry sees.
	h, err = Handler(dir, nil)
	if err != nil {
		t.Fatalf("Handler after restart: %v", err)
	}
	srv = httptest.NewServer(h)
	defer srv.Close()
	host = strings.TrimPrefix(srv.URL, "http://")
	for _, r := range []string{host + "/lesson/app:v1", host + "/lesson/app@" + want.String()} {
		ref, _ := name.ParseReference(r)
		got, err := remote.Image(ref)
		if err != nil {
			t.Fatalf("pull %s after restart: %v", r, err)
		}
		if d, _ := got.Digest(); d != want {
			t.Errorf("pull %s digest = %s, want %s", r, d, want)
		}
		layers, _ := got.Layers()
		for _, l := range layers {
			rc, err := l.Compressed()
			if err != nil {
				t.Fatalf("layer of %s: %v", r, err)
			}
			rc.Close()
		}
	}
}

func TestStartStatusStop(t *testing.T) {
	root := t.TempDir()
	t.Setenv(serveEnv, root)
	ctx := context.Background()
	opts := StartOptions{Root: root, Addr: "127.0.0.1:0", Command: []string{os.Args[0], "-test.run=^$"}}

	st, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _, _ = Stop(context.Background(), root) })

	got, err := Status(root)
	if err != nil || got == nil || got.PID != st.PID {
		t.Fatalf("Status = %+v, %v, want pid %d", got, err, st.PID)
	}

	var already *AlreadyRunningError
	if _, err := Start(ctx, opts); !errors.As(err, &already) {
		t.Errorf("second Start error = %v, want AlreadyRunningError", err)
	}

	img, _ := random.Image(512, 1)
	ref, _ := name.ParseReference(st.Addr + "/hello:1")
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("push to started registry: %v", err)
	}

	if _, err := Stop(ctx, root); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if alive(st) {
		t.Errorf("registry pid %d still alive after Stop", st.PID)
	}
	if _, err := Stop(ctx, root); !errors.Is(err, ErrNotRunning) {
		t.Errorf("second Stop error = %v, want ErrNotRunning", err)
	}

	// Started again, it still has what was pushed.
	opts.Addr = st.Addr
	st, err = Start(ctx, opts)
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	if _, err := remote.Image(ref); err != nil {
		t.Errorf("pull after restart: %v", err)
	}
}

func TestStartOnBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	root := t.TempDir()
	_, err = Start(context.Background(), StartOptions{Root: root, Addr: ln.Addr().String(), Command: []string{os.Args[0]}})
	if err == nil || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("Start on busy port error = %v, want it to say the address is in use", err)
	}
	// "Error: " and the lesson's 127.0.0.1:5000 fit the 80-column screen.
	if msg := "Error: " + strings.ReplaceAll(err.Error(), ln.Addr().String(), "127.0.0.1:5000"); len(msg) > 80 {
		t.Errorf("Start on busy port error is %d columns, want at most 80: %s", len(msg), msg)
	}
	if st, _ := Status(root); st != nil {
		t.Errorf("Status after failed start = %+v, want nothing running", st)
	}
}

func TestPushReportsLayersAndRefusesRemoteRegistries(t *testing.T) {
	h, err := Handler(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	img, _ := random.Image(256, 2)

	var events []PushEvent
	digest, _, err := Push(context.Background(), img, host+"/lesson/app:v1", func(ev PushEvent) { events = append(events, ev) })
	if err != nil {
		t.Fatalf("Push: %v", err)
	}
	if want, _ := img.Digest(); digest != want {
		t.Errorf("Push digest = %s, want %s", digest, want)
	}
	if len(events) != 2 || events[0].Status != "Pushed" {
		t.Errorf("first push events = %v, want 2 layers Pushed", events)
	}
	events = nil
	if _, _, err := Push(context.Background(), img, host+"/lesson/app:v2", func(ev PushEvent) { events = append(events, ev) }); err != nil {
		t.Fatalf("second Push: %v", err)
	}
	if len(events) != 2 || events[0].Status != "Layer already exists" {
		t.Errorf("second push events = %v, want 2 layers already there", events)
	}

	var notLocal *NotLocalError
	if _, _, err := Push(context.Background(), img, "docker.io/library/app:v1", nil); !errors.As(err, &notLocal) {
		t.Errorf("Push to docker.io error = %v, want NotLocalError", err)
	}
}

func TestIsLocal(t *testing.T) {
	for host, want := range map[string]bool{
		"localhost:5000": true, "127.0.0.1:5000": true, "[::1]:5000": true, "127.0.0.2": true,
		"docker.io": false, "registry.example.com:5000": false, "10.0.0.1:5000": false,
	} {
		if got := IsLocal(host); got != want {
			t.Errorf("IsLocal(%q) = %v, want %v", host, got, want)
		}
	}
}

// A manifest push over 4 MiB is refused with 413 before it is kept, as
// the distribution registry does.
func TestHandlerRefusesOversizedManifest(t *testing.T) {
	h, err := Handler(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"schemaVersion":2,"annotations":{"pad":"` + strings.Repeat("x", 5<<20) + `"}}`
	req := httptest.NewRequest("PUT", "/v2/lesson/app/manifests/v1", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 413 || !strings.Contains(rec.Body.String(), "SIZE_INVALID") {
		t.Errorf("PUT of a 5 MiB manifest = %d %s, want 413 SIZE_INVALID", rec.Code, rec.Body)
	}
}

// TestListsEndInANewline reads the catalog and a tag list as curl does in
// the registry lesson: JSON ending in a newline, as the distribution
// registry's json.Encoder writes it.
func TestListsEndInANewline(t *testing.T) {
	h, err := Handler(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(strings.TrimPrefix(srv.URL, "http://") + "/my-busybox:v1")
	if err := remote.Write(ref, img); err != nil {
		t.Fatalf("push: %v", err)
	}
	for path, want := range map[string]string{
		"/v2/_catalog":             `{"repositories":["my-busybox"]}` + "\n",
		"/v2/my-busybox/tags/list": `{"name":"my-busybox","tags":["v1"]}` + "\n",
	} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(b) != want {
			t.Errorf("GET %s = %d %q, want 200 %q", path, resp.StatusCode, b, want)
		}
	}
}
