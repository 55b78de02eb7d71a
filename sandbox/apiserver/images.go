package apiserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/jsonstream"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

func (s *Server) imageRoutes() {
	s.handle("GET /images/json", s.listImages)
	s.handle("POST /images/create", s.pullImage)
	s.handle("POST /images/load", s.loadImages)
	s.handle("GET /images/get", s.saveImages)
	s.handle("POST /images/prune", s.pruneImages)
	s.handle("POST /commit", s.commit)
	// Image names hold slashes ("localhost:5000/lesson/app"), so the
	// routes below end in a suffix after the name.
	s.handle("GET /images/{rest...}", s.imageByName)
	s.handle("POST /images/{rest...}", s.imageByName)
	s.handle("DELETE /images/{rest...}", s.removeImage)
}

// commit is POST /commit, docker commit: ?container=&repo=&tag=&author=&comment=.
// Dockerfile changes (?changes=) are refused, as by dockyard's own CLI.
func (s *Server) commit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	if len(q["changes"]) > 0 && strings.Join(q["changes"], "") != "" {
		return badRequest("--change is not available in Dockyard: run the container with the settings you want and commit it, or write a Dockerfile")
	}
	ref := q.Get("repo")
	if ref != "" && q.Get("tag") != "" {
		ref += ":" + q.Get("tag")
	}
	id, err := s.e.Commit(r.Context(), q.Get("container"), engine.CommitOptions{Ref: ref, Author: q.Get("author"), Message: q.Get("comment")})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, map[string]string{"Id": id})
}

// imageByName dispatches /images/{name}/json, /history, /tag, /push, /get.
func (s *Server) imageByName(w http.ResponseWriter, r *http.Request) error {
	rest := r.PathValue("rest")
	i := strings.LastIndex(rest, "/")
	if i <= 0 {
		s.notFound(w, r)
		return nil
	}
	name, action := rest[:i], rest[i+1:]
	switch r.Method + " " + action {
	case "GET json":
		return s.inspectImage(w, r, name)
	case "GET history":
		return s.imageHistory(w, r, name)
	case "GET get":
		return s.save(w, r, []string{name})
	case "POST tag":
		return s.tagImage(w, r, name)
	case "POST push":
		return s.pushImage(w, r, name)
	}
	s.notFound(w, r)
	return nil
}

func (s *Server) listImages(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err != nil {
		return err
	}
	imgs, err := s.e.ListImages(r.Context(), engine.Filters(f))
	if err != nil {
		return err
	}
	out := []image.Summary{}
	for _, img := range imgs {
		var labels map[string]string
		if img.Config != nil {
			labels = img.Config.Config.Labels
		}
		// Containers is -1 (not counted) unless asked for by /system/df,
		// as Docker's daemon answers.
		out = append(out, image.Summary{
			ID: img.ID, RepoTags: nonNilSlice(img.RepoTags), RepoDigests: nonNilSlice(img.RepoDigests),
			Created: img.Created.Unix(), Size: img.Size, Labels: nonNil(labels),
			Containers: -1, SharedSize: -1,
		})
	}
	return writeJSON(w, http.StatusOK, out)
}

func nonNilSlice(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (s *Server) inspectImage(w http.ResponseWriter, r *http.Request, name string) error {
	in, err := s.e.InspectImage(r.Context(), name)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, in)
}

func (s *Server) imageHistory(w http.ResponseWriter, r *http.Request, name string) error {
	items, err := s.e.ImageHistory(r.Context(), name)
	if err != nil {
		return err
	}
	out := []image.HistoryResponseItem{}
	for _, it := range items {
		out = append(out, image.HistoryResponseItem{
			ID: it.ID, Created: it.Created.Unix(), CreatedBy: it.CreatedBy, Size: it.Size,
			Comment: it.Comment, Tags: nonNilSlice(it.Tags),
		})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) tagImage(w http.ResponseWriter, r *http.Request, name string) error {
	repo, tag := r.URL.Query().Get("repo"), r.URL.Query().Get("tag")
	if repo == "" {
		return badRequest("missing the new name: use ?repo=NAME&tag=TAG")
	}
	target := repo
	if tag != "" {
		target += ":" + tag
	}
	if err := s.e.TagImage(r.Context(), name, target); err != nil {
		return err
	}
	w.WriteHeader(http.StatusCreated)
	return nil
}

func (s *Server) removeImage(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("rest")
	removed, err := s.e.RemoveImage(r.Context(), name, engine.RemoveImageOptions{Force: boolParam(r, "force"), NoPrune: boolParam(r, "noprune")})
	if err != nil {
		return err
	}
	out := []image.DeleteResponse{}
	for _, rm := range removed {
		out = append(out, image.DeleteResponse{Untagged: rm.Untagged, Deleted: rm.Deleted})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) pruneImages(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err != nil {
		return err
	}
	if err := f.Validate("dangling"); err != nil {
		return err
	}
	all := false
	for _, v := range f["dangling"] {
		all = all || v == "false" || v == "0"
	}
	rep, err := s.e.PruneImages(r.Context(), all)
	if err != nil {
		return err
	}
	out := image.PruneReport{ImagesDeleted: []image.DeleteResponse{}, SpaceReclaimed: uint64(rep.SpaceReclaimed)}
	for _, rm := range rep.Removed {
		out.ImagesDeleted = append(out.ImagesDeleted, image.DeleteResponse{Untagged: rm.Untagged, Deleted: rm.Deleted})
	}
	return writeJSON(w, http.StatusOK, out)
}

// jsonStream writes Docker's progress messages, one JSON object a line.
// Its 200 status goes with the first message, as Docker's daemon streams
// (its WriteFlusher): an error before any message is still an HTTP status.
type jsonStream struct {
	w   http.ResponseWriter
	mu  sync.Mutex
	enc *json.Encoder
}

func newJSONStream(w http.ResponseWriter) *jsonStream { return &jsonStream{w: w} }

func (j *jsonStream) send(m jsonstream.Message) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.enc == nil {
		j.w.Header().Set("Content-Type", "application/json")
		j.w.WriteHeader(http.StatusOK)
		j.enc = json.NewEncoder(newFlushWriter(j.w))
	}
	_ = j.enc.Encode(m)
}

// fail ends a stream with an error message: the client reads it from the
// message, as from Docker's daemon once its stream has begun.
func (j *jsonStream) fail(err error) {
	j.send(jsonstream.Message{Error: &jsonstream.Error{Message: err.Error()}})
}

// end is fail for an error that may come before the first message: then
// it is returned, for the handler to answer with its HTTP status.
func (j *jsonStream) end(err error) error {
	j.mu.Lock()
	started := j.enc != nil
	j.mu.Unlock()
	if !started {
		return err
	}
	j.fail(err)
	return nil
}

// pullImage is POST /images/create?fromImage=NAME&tag=TAG: the pull's
// progress streamed as JSON messages; the offline fallback (baked lesson
// images) applies as for `dockyard docker pull`.
func (s *Server) pullImage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, tag := q.Get("fromImage"), q.Get("tag")
	if q.Get("fromSrc") != "" {
		return badRequest("docker import is not available in Dockyard: use docker load -i file.tar")
	}
	if from == "" {
		return badRequest("missing the image to pull: use ?fromImage=NAME&tag=TAG")
	}
	ref := from
	if tag != "" {
		if strings.HasPrefix(tag, "sha256:") {
			ref += "@" + tag
		} else {
			ref += ":" + tag
		}
	}
	if _, err := engine.ParseReference(ref); err != nil {
		return badRequest("%v", err)
	}
	st := newJSONStream(w)
	opts, err := s.e.PullOptions(nil, func(ev engine.PullEvent) {
		m := jsonstream.Message{ID: ev.ID, Status: ev.Status}
		if ev.Total > 0 || ev.Current > 0 {
			m.Progress = &jsonstream.Progress{Current: ev.Current, Total: ev.Total}
		}
		st.send(m)
	})
	if err != nil {
		return st.end(err)
	}
	// A pull that the client gave up on stops: its context is the
	// request's. The store's lock is released either way.
	// Offline, the lesson images are baked from their recipes; the bake's
	// lines go to the client as status messages.
	ctx := engine.WithBakeOutput(r.Context(), &lineWriter{line: func(l string) { st.send(jsonstream.Message{Status: l}) }})
	if _, err := s.e.PullImage(ctx, ref, opts); err != nil {
		return st.end(err)
	}
	return nil
}

func (s *Server) pushImage(w http.ResponseWriter, r *http.Request, name string) error {
	if tag := r.URL.Query().Get("tag"); tag != "" {
		name += ":" + tag
	}
	// The stream starts with the push's first line, so a refused push
	// (not local, no such image) is still an HTTP status.
	var st *jsonStream
	err := s.e.PushImage(r.Context(), name, func(ev engine.PushEvent) {
		if st == nil {
			st = newJSONStream(w)
		}
		st.send(jsonstream.Message{ID: ev.ID, Status: ev.Status})
	})
	var nl *engine.NotLocalError
	switch {
	case err == nil:
	case st != nil:
		st.fail(err)
	case errors.As(err, &nl):
		return &statusError{code: http.StatusForbidden, msg: err.Error()}
	default:
		return err
	}
	return nil
}

func (s *Server) saveImages(w http.ResponseWriter, r *http.Request) error {
	names := r.URL.Query()["names"]
	if len(names) == 0 {
		return badRequest("missing the images to save: use ?names=NAME")
	}
	return s.save(w, r, names)
}

// save streams a `docker save` tar; missing images are a 404 before any
// byte is sent.
func (s *Server) save(w http.ResponseWriter, r *http.Request, names []string) error {
	tw := &tarWriter{w: w}
	err := s.e.SaveImages(r.Context(), names, tw)
	if err != nil && !tw.started {
		return err
	}
	if err != nil {
		s.log.Printf("save %v: %v", names, err)
	}
	return nil
}

// loadImages is POST /images/load: a tar in the body, progress lines out.
func (s *Server) loadImages(w http.ResponseWriter, r *http.Request) error {
	loaded, err := s.e.LoadImages(r.Context(), r.Body)
	if err != nil {
		return badRequest("%v", err)
	}
	st := newJSONStream(w)
	for _, l := range loaded {
		if len(l.Tags) == 0 {
			st.send(jsonstream.Message{Stream: "Loaded image ID: " + l.Image.ID + "\n"})
		}
		for _, t := range l.Tags {
			st.send(jsonstream.Message{Stream: "Loaded image: " + t + "\n"})
		}
	}
	return nil
}

// tarWriter answers 200 with a tar on the first byte written, so an
// error before it is still an HTTP status.
type tarWriter struct {
	w       http.ResponseWriter
	started bool
}

func (t *tarWriter) Write(p []byte) (int, error) {
	if !t.started {
		t.started = true
		t.w.Header().Set("Content-Type", "application/x-tar")
		t.w.WriteHeader(http.StatusOK)
	}
	return t.w.Write(p)
}

// lineWriter calls line for every complete line written to it.
type lineWriter struct {
	mu   sync.Mutex
	buf  []byte
	line func(string)
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.line(string(l.buf[:i]))
		l.buf = l.buf[i+1:]
	}
}
