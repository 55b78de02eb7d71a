package image_test

import (
	"bufio"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

// stallingRegistry serves a registry whose layer downloads, while armed,
// send their first megabyte and then hang until released, so a test can
// kill a pull that is certainly mid-download.
type stallingRegistry struct {
	next    http.Handler
	armed   atomic.Bool
	started chan struct{}
	once    sync.Once
	release chan struct{}
}

func (s *stallingRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.armed.Load() || r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/blobs/") {
		s.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	s.next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if len(body) < 2<<20 { // the config: let it through
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
		return
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(body[:1<<20])
	w.(http.Flusher).Flush()
	s.once.Do(func() { close(s.started) })
	select {
	case <-s.release:
	case <-r.Context().Done():
	}
}

// TestKillDuringPull kills `docker pull` with SIGKILL in the middle of a
// layer download: the image must not be listed, nothing half-written may
// count as present, and the next pull must complete.
func TestKillDuringPull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the engine refuses to run without it")
	}
	stall := &stallingRegistry{
		next:    registry.New(registry.Logger(log.New(io.Discard, "", 0))),
		started: make(chan struct{}),
		release: make(chan struct{}),
	}
	srv := httptest.NewServer(stall)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stall.release) })
	host := strings.TrimPrefix(srv.URL, "http://")
	imagetest.Push(t, host+"/big:1", imagetest.Random(t, 2, 4<<20))
	stall.armed.Store(true)

	root := t.TempDir()
	docker := func(args ...string) *exec.Cmd {
		cmd := exec.Command(filepath.Join(binDir, "docker"), args...)
		cmd.Env = append(os.Environ(), "DOCKYARD_ROOT="+root)
		return cmd
	}
	pull := docker("pull", host+"/big:1")
	out, err := pull.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := pull.Start(); err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, bufio.NewReader(out))
	<-stall.started // a layer is half sent
	if err := pull.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	pull.Wait()

	if b, err := docker("images", "-q").CombinedOutput(); err != nil || len(strings.TrimSpace(string(b))) != 0 {
		t.Fatalf("after kill -9, docker images -q = %q, %v, want nothing", b, err)
	}
	if b, err := docker("image", "inspect", host+"/big:1").CombinedOutput(); err == nil {
		t.Fatalf("after kill -9, the image inspects: %s", b)
	}

	stall.armed.Store(false)
	if b, err := docker("pull", "-q", host+"/big:1").CombinedOutput(); err != nil {
		t.Fatalf("pull after kill -9: %v\n%s", err, b)
	}
	if b, err := docker("images", "-q").CombinedOutput(); err != nil || len(strings.Fields(string(b))) != 1 {
		t.Fatalf("after the second pull, docker images -q = %q, %v, want one id", b, err)
	}
	// The killed pull's partial blob is garbage; prune collects it.
	if b, err := docker("image", "prune", "-f").CombinedOutput(); err != nil {
		t.Fatalf("prune: %v\n%s", err, b)
	}
	left, _ := filepath.Glob(filepath.Join(root, "images", "blobs", "sha256", ".tmp-*"))
	if len(left) != 0 {
		t.Errorf("partial downloads left after prune: %v", left)
	}
}
