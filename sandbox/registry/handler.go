// Package registry is Dockyard's local OCI registry, for the push/pull lesson
// and for tests. It serves go-containerregistry's pkg/registry (the OCI
// distribution API) with blobs on disk and manifests journalled to disk, so
// what was pushed survives a restart. Start and Stop run it as a background
// process with a state file under <root>/registry.
package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/renameio/v2"
)

// Handler serves the OCI distribution API with its data in dir: blobs in
// dir/blobs (content addressed) and every manifest PUT recorded in
// dir/manifests, replayed when the handler is created.
func Handler(dir string, logger *log.Logger) (http.Handler, error) {
	blobs := filepath.Join(dir, "blobs")
	manifests := filepath.Join(dir, "manifests")
	for _, d := range []string{blobs, manifests} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("registry data: %w", err)
		}
	}
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	inner := ggcrregistry.New(
		ggcrregistry.WithBlobHandler(ggcrregistry.NewDiskBlobHandler(blobs)),
		ggcrregistry.Logger(logger),
	)
	j := &journal{dir: manifests, next: handlerFunc(inner.ServeHTTP)}
	if err := j.replay(); err != nil {
		return nil, err
	}
	return j, nil
}

type handlerFunc func(http.ResponseWriter, *http.Request)

// maxManifestSize is the largest manifest a push may send, as in the
// distribution registry.
const maxManifestSize = 4 << 20

// journal keeps manifests on disk: pkg/registry holds them in memory only.
type journal struct {
	dir  string
	next handlerFunc

	mu  sync.Mutex
	seq int64
}

// record is one manifest as it was pushed.
type record struct {
	Seq         int64  `json:"seq"`
	Path        string `json:"path"`
	ContentType string `json:"contentType"`
	Body        []byte `json:"body"`
}

func (j *journal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if isListPath(r.URL.Path) {
		listed(w, r, j.next)
		return
	}
	if !isManifestPath(r.URL.Path) || (r.Method != http.MethodPut && r.Method != http.MethodDelete) {
		j.next(w, r)
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var body []byte
	if r.Method == http.MethodPut {
		// Distribution refuses a manifest over 4 MiB (maxManifestBodySize).
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxManifestSize))
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			fmt.Fprintf(w, `{"errors":[{"code":"SIZE_INVALID","message":"manifest is larger than %d bytes"}]}`+"\n", maxManifestSize)
			return
		}
		if err != nil {
			http.Error(w, "read manifest: "+err.Error(), http.StatusBadRequest)
			return
		}
		body = b
		r.Body = io.NopCloser(bytes.NewReader(b))
	}
	rec := httptest.NewRecorder()
	j.next(rec, r)
	ok := rec.Code == http.StatusCreated || rec.Code == http.StatusAccepted
	if ok {
		var err error
		if r.Method == http.MethodPut {
			j.seq++
			err = j.save(record{Seq: j.seq, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Body: body})
		} else {
			err = os.Remove(j.file(r.URL.Path))
			if os.IsNotExist(err) {
				err = nil
			}
		}
		if err != nil {
			http.Error(w, "keep manifest on disk: "+err.Error(), http.StatusInternalServerError)
			return
		}
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// listed serves a catalog or tag list ending in a newline, as the
// distribution registry writes them (json.Encoder): pkg/registry leaves it
// out, and `curl .../v2/_catalog` in the registry lesson left the shell's
// prompt on the same line as the answer.
func listed(w http.ResponseWriter, r *http.Request, next handlerFunc) {
	rec := httptest.NewRecorder()
	next(rec, r)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK && len(body) > 0 && !bytes.HasSuffix(body, []byte("\n")) {
		body = append(body, '\n')
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	if w.Header().Get("Content-Length") != "" {
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// isListPath matches /v2/_catalog and /v2/<name>/tags/list.
func isListPath(p string) bool {
	return p == "/v2/_catalog" || strings.HasPrefix(p, "/v2/") && strings.HasSuffix(p, "/tags/list")
}

// isManifestPath matches /v2/<name>/manifests/<reference>.
func isManifestPath(p string) bool {
	elem := strings.Split(p, "/")
	return len(elem) >= 5 && elem[1] == "v2" && elem[len(elem)-2] == "manifests"
}

// file names the record of one manifest path; the path is escaped so that a
// repository name never becomes a directory walk.
func (j *journal) file(urlPath string) string {
	return filepath.Join(j.dir, strings.NewReplacer("%", "%25", "/", "%2F").Replace(urlPath)+".json")
}

func (j *journal) save(rec record) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return renameio.WriteFile(j.file(rec.Path), b, 0o644)
}

// replay feeds every recorded manifest back through the handler in the order
// it was pushed, so an index finds its children already there.
func (j *journal) replay() error {
	entries, err := os.ReadDir(j.dir)
	if err != nil {
		return fmt.Errorf("read manifests: %w", err)
	}
	var recs []record
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(j.dir, e.Name()))
		if err != nil {
			return fmt.Errorf("read manifest record: %w", err)
		}
		var rec record
		if err := json.Unmarshal(b, &rec); err != nil {
			return fmt.Errorf("manifest record %s: %w", e.Name(), err)
		}
		recs = append(recs, rec)
	}
	sort.Slice(recs, func(a, b int) bool { return recs[a].Seq < recs[b].Seq })
	for _, rec := range recs {
		req := httptest.NewRequest(http.MethodPut, rec.Path, bytes.NewReader(rec.Body))
		req.Header.Set("Content-Type", rec.ContentType)
		w := httptest.NewRecorder()
		j.next(w, req)
		if w.Code != http.StatusCreated {
			return fmt.Errorf("restore manifest %s: status %d: %s", rec.Path, w.Code, strings.TrimSpace(w.Body.String()))
		}
		j.seq = rec.Seq
	}
	return nil
}
