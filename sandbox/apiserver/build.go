package apiserver

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/moby/api/types/jsonstream"

	"github.com/dockyard-lab/dockyard/sandbox/build"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

func (s *Server) buildRoutes() {
	s.handle("POST /build", s.build)
}

// build is POST /build: the body is the context as a tar (gzip allowed),
// the Dockerfile is built by Dockyard's builder (the same as `dockyard
// docker build`), and its plain progress is streamed as "stream" messages,
// as Docker's classic builder does.
func (s *Server) build(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if q.Get("version") == "2" {
		return badRequest("BuildKit sessions are not available in Dockyard: build with the classic API (DOCKER_BUILDKIT=0 docker build ...)")
	}
	if q.Get("remote") != "" {
		return badRequest("building from a remote context is not available in Dockyard: send the context directory")
	}
	opts := build.Options{Tags: q["t"], NoCache: boolParam(r, "nocache"), Target: q.Get("target")}
	for _, t := range opts.Tags {
		if _, err := engine.ParseReference(t); err != nil {
			return badRequest("invalid tag %q: %v", t, err)
		}
	}
	if v := q.Get("buildargs"); v != "" {
		var args map[string]*string
		if err := json.Unmarshal([]byte(v), &args); err != nil {
			return badRequest("invalid buildargs: %v", err)
		}
		opts.BuildArgs = map[string]string{}
		for k, val := range args {
			if val != nil {
				opts.BuildArgs[k] = *val
			}
		}
	}
	if v := q.Get("labels"); v != "" {
		if err := json.Unmarshal([]byte(v), &opts.Labels); err != nil {
			return badRequest("invalid labels: %v", err)
		}
	}
	dir, err := os.MkdirTemp("", "dockyard-build-context-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	body := bufio.NewReader(r.Body)
	var in io.Reader = body
	if magic, _ := body.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(body)
		if err != nil {
			return badRequest("build context: %v", err)
		}
		in = gz
	}
	if err := engine.UnpackContext(in, dir); err != nil {
		return badRequest("build context is not a valid tar: %v", err)
	}
	dockerfile := q.Get("dockerfile")
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	df := filepath.Join(dir, filepath.Clean("/"+dockerfile))
	if _, err := os.Stat(df); err != nil {
		return badRequest("Cannot locate specified Dockerfile: %s", dockerfile)
	}
	opts.ContextDir, opts.Dockerfile = dir, df

	st := newJSONStream(w)
	out := &lineWriter{line: func(l string) { st.send(jsonstream.Message{Stream: l + "\n"}) }}
	if boolParam(r, "q") {
		out = &lineWriter{line: func(string) {}}
	}
	opts.Out = out
	// A client that hangs up cancels the build; its RUN containers are
	// removed by the builder.
	res, err := s.e.Builder().Build(r.Context(), opts)
	if err != nil {
		msg := err.Error()
		var be *build.Error
		if errors.As(err, &be) {
			msg = be.Err.Error()
		}
		st.fail(fmt.Errorf("failed to solve: %s", msg))
		return nil
	}
	if boolParam(r, "q") {
		// Quiet: the image id is all (moby's build route with
		// SuppressOutput), which docker build -q prints.
		st.send(jsonstream.Message{Stream: res.ID + "\n"})
		return nil
	}
	aux, _ := json.Marshal(map[string]string{"ID": res.ID})
	raw := json.RawMessage(aux)
	st.send(jsonstream.Message{Aux: &raw})
	short := strings.TrimPrefix(res.ID, "sha256:")
	if len(short) > 12 {
		short = short[:12]
	}
	st.send(jsonstream.Message{Stream: "Successfully built " + short + "\n"})
	for _, t := range res.Tags {
		st.send(jsonstream.Message{Stream: "Successfully tagged " + t + "\n"})
	}
	return nil
}
