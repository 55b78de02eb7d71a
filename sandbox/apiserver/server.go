// Package apiserver serves the Docker Engine API over HTTP on Dockyard's
// engine, so that the real docker CLI, IDE plugins and Docker SDKs drive the
// same containers, images, networks and volumes as `dockyard docker`. It is
// what `dockyard serve` listens with; it imports no cobra and sits beside
// the engine (sandbox/engine) so that tests of other packages (the checker's
// Engine API backend) can serve it in-process.
//
// The routes follow the Engine API reference
// (https://docs.docker.com/reference/api/engine/), with and without a
// /v1.xx prefix; request and response bodies are the types of
// github.com/moby/moby/api; errors are {"message": ...} with Docker's
// status codes (400 bad input, 404 unknown object, 409 conflict).
package apiserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/types/common"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// API versions: the newest this server speaks (that of the moby api module
// its types come from, capped to what it implements) and the oldest it
// accepts. Docker 28's CLI speaks 1.50 and negotiates down to ours.
const (
	APIVersion    = engine.APIVersion
	MinAPIVersion = engine.MinAPIVersion
)

// Server answers the Engine API from one engine.
type Server struct {
	e       *engine.Engine
	version string
	log     *log.Logger
	mux     *http.ServeMux

	mu       sync.Mutex
	sessions map[string]*session // container id -> its attached streams
	execs    map[string]*execRecord
}

// Options configure a Server.
type Options struct {
	// Version is Dockyard's version, reported by GET /version.
	Version string
	// Log receives one line per failed request and per recovered panic;
	// nil discards.
	Log *log.Logger
	// Debug serves Go's profiles under /debug/pprof/ on the API socket,
	// as dockerd -D does: goroutine and heap counts for leak hunting
	// (see debugProfiles).
	Debug bool
}

// New returns a server on e.
func New(e *engine.Engine, opts Options) *Server {
	s := &Server{e: e, version: opts.Version, log: opts.Log,
		sessions: map[string]*session{}, execs: map[string]*execRecord{}}
	if s.log == nil {
		s.log = log.New(io.Discard, "", 0)
	}
	if s.version == "" {
		s.version = "dev"
	}
	s.mux = http.NewServeMux()
	s.routes()
	if opts.Debug {
		s.mux.HandleFunc("/debug/pprof/", debugProfiles)
	}
	return s
}

// Serve answers requests on l until ctx ends; then it stops listening and
// returns once open requests have been told to end.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	hs := &http.Server{
		Handler:     s,
		BaseContext: func(net.Listener) context.Context { return ctx },
		// A client that opens a connection and then trickles (or never
		// sends) its headers holds a goroutine and a descriptor: give up
		// on it. Bodies have no deadline, since docker load, cp and build
		// stream large archives, and attach streams stay open.
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    1 << 20,
		IdleTimeout:       2 * time.Minute,
	}
	go func() {
		<-ctx.Done()
		hs.Close()
	}()
	err := hs.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

var versionPrefix = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/v([0-9]+\.[0-9]+)(/|$)`) })

// ServeHTTP strips the version prefix, recovers from panics and routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Printf("panic serving %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
			writeError(w, &statusError{code: http.StatusInternalServerError, msg: fmt.Sprintf("internal error: %v", v)})
		}
	}()
	if m := versionPrefix().FindStringSubmatch(r.URL.Path); m != nil {
		if versionLess(m[1], MinAPIVersion) {
			writeError(w, badRequest("client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version", m[1], MinAPIVersion))
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), apiVersionKey{}, m[1]))
		r.URL.Path = strings.TrimPrefix(r.URL.Path, "/v"+m[1])
		if r.URL.Path == "" {
			r.URL.Path = "/"
		}
		r.URL.RawPath = ""
	}
	w.Header().Set("Api-Version", APIVersion)
	w.Header().Set("Server", "Dockyard/"+s.version+" (linux)")
	s.mux.ServeHTTP(w, r)
}

type apiVersionKey struct{}

// requestVersion is the API version the request's path named, or ours.
func requestVersion(r *http.Request) string {
	if v, ok := r.Context().Value(apiVersionKey{}).(string); ok {
		return v
	}
	return APIVersion
}

// goSafe runs fn in a goroutine that logs a panic instead of ending the
// server, as ServeHTTP does for requests.
func (s *Server) goSafe(what string, fn func()) {
	go func() {
		defer func() {
			if v := recover(); v != nil {
				s.log.Printf("panic in %s: %v\n%s", what, v, debug.Stack())
			}
		}()
		fn()
	}()
}

// versionLess compares API versions "1.24" < "1.50".
func versionLess(a, b string) bool {
	am, an, _ := strings.Cut(a, ".")
	bm, bn, _ := strings.Cut(b, ".")
	ai, _ := strconv.Atoi(am)
	bi, _ := strconv.Atoi(bm)
	if ai != bi {
		return ai < bi
	}
	ani, _ := strconv.Atoi(an)
	bni, _ := strconv.Atoi(bn)
	return ani < bni
}

// handlerFunc is a route that may fail; the error becomes Docker's JSON
// error with its status code.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(pattern string, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			code := statusOf(err)
			if code >= 500 {
				s.log.Printf("%s %s: %v", r.Method, r.URL.Path, err)
			}
			writeError(w, err)
		}
	})
}

// notFound answers paths no route knows with Docker's 404 "page not
// found", and known paths asked with another method with 405.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodPut, http.MethodHead} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			writeError(w, &statusError{code: http.StatusMethodNotAllowed, msg: fmt.Sprintf("method %s is not allowed for %s (use %s)", r.Method, r.URL.Path, m)})
			return
		}
	}
	writeError(w, &statusError{code: http.StatusNotFound, msg: "page not found"})
}

// writeJSON answers with v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	return json.NewEncoder(w).Encode(v)
}

// writeError answers with Docker's error body.
func writeError(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(statusOf(err))
	_ = json.NewEncoder(w).Encode(common.ErrorResponse{Message: err.Error()})
}

// decodeBody reads a JSON request body into v, refusing malformed JSON and
// values of the wrong type with 400. Fields v does not have are ignored,
// as Docker's daemon does: clients of other API versions send fields
// that were added or dropped since (Docker 28's CLI sends "Detach" in an
// exec create, Debian's 20.10 CLI sends "KernelMemory"). An empty body
// leaves v as it is.
func decodeBody(r *http.Request, v any) error {
	if r.Body == nil {
		return nil
	}
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxJSONBody))
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &statusError{code: http.StatusRequestEntityTooLarge,
				msg: fmt.Sprintf("request body is larger than %d MiB: a JSON request this big is not one the Docker API sends", maxJSONBody>>20)}
		}
		return badRequest("invalid JSON in the request body: %v", err)
	}
	return nil
}

// maxJSONBody bounds a JSON request body (a container create is a few KB):
// a client cannot make the server hold more than this in memory for one
// request. Archives (load, cp, build) are streamed and not bound by it.
const maxJSONBody = 4 << 20

// boolParam reads a query flag as Docker does: "1", "true", "True" are
// true; absent, "", "0", "false" are false.
func boolParam(r *http.Request, name string) bool {
	switch strings.ToLower(r.URL.Query().Get(name)) {
	case "", "0", "false", "no":
		return false
	}
	return true
}

// intParam reads an integer query parameter; absent means def.
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, badRequest("invalid value for %s: %q is not an integer", name, v)
	}
	return n, nil
}

// flushWriter flushes after every write, for streamed answers.
type flushWriter struct {
	w  io.Writer
	mu sync.Mutex
}

func newFlushWriter(w http.ResponseWriter) *flushWriter { return &flushWriter{w: w} }

func (f *flushWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.w.Write(p)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}
