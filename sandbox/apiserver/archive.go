package apiserver

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"

	mobycontainer "github.com/moby/moby/api/types/container"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// The archive routes are `docker cp`: HEAD stats a path in a container,
// GET reads it as a tar, PUT extracts a tar into a directory. They go
// through the engine's CopyOut, WriteTar and PutArchive, as `dockyard
// docker cp` with "-" does, by way of a temporary directory.

func (s *Server) archiveRoutes() {
	s.handle("HEAD /containers/{id}/archive", s.statArchive)
	s.handle("GET /containers/{id}/archive", s.getArchive)
	s.handle("PUT /containers/{id}/archive", s.putArchive)
}

// copyOut copies path out of the container into a temporary directory and
// returns the copy; a missing path is a 404.
func (s *Server) copyOut(r *http.Request) (copied string, cleanup func(), err error) {
	p := r.URL.Query().Get("path")
	if p == "" {
		return "", nil, badRequest("missing the path: use ?path=/in/the/container")
	}
	copied, cleanup, err = s.e.CopyOut(r.PathValue("id"), p)
	if errors.Is(err, engine.ErrPathNotFound) {
		return "", nil, notFound("Could not find the file %s in container %s", p, r.PathValue("id"))
	}
	return copied, cleanup, err
}

// setPathStat sends what docker cp learns of the path before the
// archive: X-Docker-Container-Path-Stat.
func setPathStat(w http.ResponseWriter, r *http.Request, fi fs.FileInfo) {
	st := mobycontainer.PathStat{Name: path.Base(r.URL.Query().Get("path")), Size: fi.Size(), Mode: fi.Mode(), Mtime: fi.ModTime()}
	b, _ := json.Marshal(st)
	w.Header().Set("X-Docker-Container-Path-Stat", base64.StdEncoding.EncodeToString(b))
}

// statArchive is HEAD archive: the path's stat, without copying it out.
func (s *Server) statArchive(w http.ResponseWriter, r *http.Request) error {
	p := r.URL.Query().Get("path")
	if p == "" {
		return badRequest("missing the path: use ?path=/in/the/container")
	}
	fi, err := s.e.StatPath(r.PathValue("id"), p)
	if err != nil {
		return err
	}
	setPathStat(w, r, fi)
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) getArchive(w http.ResponseWriter, r *http.Request) error {
	copied, cleanup, err := s.copyOut(r)
	if err != nil {
		return err
	}
	defer cleanup()
	fi, err := os.Lstat(copied)
	if err != nil {
		return err
	}
	setPathStat(w, r, fi)
	w.Header().Set("Content-Type", "application/x-tar")
	w.WriteHeader(http.StatusOK)
	if err := engine.WriteTar(w, copied); err != nil {
		// The status is sent: the client sees a cut stream.
		s.log.Printf("archive %s: %v", copied, err)
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
	c, err := s.e.Container(r.PathValue("id"))
	if err != nil {
		return err
	}
	err = s.e.PutArchive(c.ID, r.Body, p)
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
