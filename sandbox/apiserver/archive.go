package apiserver

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	mobycontainer "github.com/moby/moby/api/types/container"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// The archive routes are `docker cp`: HEAD stats a path in a container,
// GET reads it as a tar, PUT extracts a tar into a directory, through the
// engine's StatPath, ArchivePath and PutArchive, as `dockyard docker cp`
// does (moby's api/server/router/container/copy.go).

func (s *Server) archiveRoutes() {
	s.handle("HEAD /containers/{id}/archive", s.statArchive)
	s.handle("GET /containers/{id}/archive", s.getArchive)
	s.handle("PUT /containers/{id}/archive", s.putArchive)
}

// setPathStat sends what docker cp learns of the path before the
// archive: X-Docker-Container-Path-Stat, base64 of the JSON PathStat.
func setPathStat(w http.ResponseWriter, st mobycontainer.PathStat) {
	b, _ := json.Marshal(st)
	w.Header().Set("X-Docker-Container-Path-Stat", base64.StdEncoding.EncodeToString(b))
}

// statArchive is HEAD archive: the path's stat, without copying it out.
func (s *Server) statArchive(w http.ResponseWriter, r *http.Request) error {
	p := r.URL.Query().Get("path")
	if p == "" {
		return badRequest("missing the path: use ?path=/in/the/container")
	}
	st, err := s.e.StatPath(r.PathValue("id"), p)
	if err != nil {
		return err
	}
	setPathStat(w, st)
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) getArchive(w http.ResponseWriter, r *http.Request) error {
	p := r.URL.Query().Get("path")
	if p == "" {
		return badRequest("missing the path: use ?path=/in/the/container")
	}
	tr, st, err := s.e.ArchivePath(r.PathValue("id"), p)
	if err != nil {
		return err
	}
	defer tr.Close()
	setPathStat(w, st)
	w.Header().Set("Content-Type", "application/x-tar")
	w.WriteHeader(http.StatusOK)
	if _, err := io.Copy(w, tr); err != nil {
		// The status is sent: the client sees a cut stream.
		s.log.Printf("archive %s: %v", p, err)
	}
	return nil
}

// putArchive extracts the tar into the directory path names, which must
// exist in the container, as Docker's daemon does.
func (s *Server) putArchive(w http.ResponseWriter, r *http.Request) error {
	p := r.URL.Query().Get("path")
	if p == "" {
		return badRequest("missing the path: use ?path=/directory/in/the/container")
	}
	ref := r.PathValue("id")
	if _, err := s.e.Container(ref); err != nil {
		return err
	}
	copyUIDGID, _ := strconv.ParseBool(r.URL.Query().Get("copyUIDGID"))
	err := s.e.PutArchive(ref, r.Body, p, copyUIDGID)
	switch {
	case errors.Is(err, engine.ErrPathNotFound):
		return notFound("%v", err)
	case errors.Is(err, engine.ErrNotADirectory):
		return badRequest("%v", err)
	case err != nil && strings.Contains(err.Error(), "not a valid tar"):
		return badRequest("%v", err)
	case err != nil:
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
