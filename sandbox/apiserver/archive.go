package apiserver

import (
	"archive/tar"
	"encoding/base64"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	mobycontainer "github.com/moby/moby/api/types/container"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// The archive routes are `docker cp`: HEAD stats a path in a container,
// GET reads it as a tar, PUT extracts a tar into a directory. They go
// through the container store's CopyFrom and CopyTo, as `dockyard docker
// cp` does, by way of a temporary directory.

func (s *Server) archiveRoutes() {
	s.handle("HEAD /containers/{id}/archive", s.statArchive)
	s.handle("GET /containers/{id}/archive", s.getArchive)
	s.handle("PUT /containers/{id}/archive", s.putArchive)
}

// copyOut copies path out of the container into a temporary directory and
// returns the copy; a missing path is a 404.
func (s *Server) copyOut(r *http.Request) (c *container.Container, copied string, cleanup func(), err error) {
	p := r.URL.Query().Get("path")
	if p == "" {
		return nil, "", nil, badRequest("missing the path: use ?path=/in/the/container")
	}
	c, err = s.e.Containers.Get(r.PathValue("id"))
	if err != nil {
		return nil, "", nil, err
	}
	dir, err := os.MkdirTemp("", "dockyard-cp-")
	if err != nil {
		return nil, "", nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	name := path.Base(path.Clean("/" + p))
	if name == "/" {
		name = "root"
	}
	dst := filepath.Join(dir, name)
	if err := s.e.Containers.CopyFrom(c.ID, p, dst); err != nil {
		cleanup()
		if strings.Contains(err.Error(), "Could not find the file") {
			return nil, "", nil, notFound("Could not find the file %s in container %s", p, r.PathValue("id"))
		}
		return nil, "", nil, err
	}
	return c, dst, cleanup, nil
}

func pathStat(p string, fi fs.FileInfo, target string) string {
	st := mobycontainer.PathStat{Name: path.Base(p), Size: fi.Size(), Mode: fi.Mode(), Mtime: fi.ModTime(), LinkTarget: target}
	b, _ := json.Marshal(st)
	return base64.StdEncoding.EncodeToString(b)
}

func (s *Server) statArchive(w http.ResponseWriter, r *http.Request) error {
	_, copied, cleanup, err := s.copyOut(r)
	if err != nil {
		return err
	}
	defer cleanup()
	fi, err := os.Lstat(copied)
	if err != nil {
		return err
	}
	target, _ := os.Readlink(copied)
	w.Header().Set("X-Docker-Container-Path-Stat", pathStat(r.URL.Query().Get("path"), fi, target))
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) getArchive(w http.ResponseWriter, r *http.Request) error {
	_, copied, cleanup, err := s.copyOut(r)
	if err != nil {
		return err
	}
	defer cleanup()
	fi, err := os.Lstat(copied)
	if err != nil {
		return err
	}
	target, _ := os.Readlink(copied)
	w.Header().Set("X-Docker-Container-Path-Stat", pathStat(r.URL.Query().Get("path"), fi, target))
	w.Header().Set("Content-Type", "application/x-tar")
	w.WriteHeader(http.StatusOK)
	tw := tar.NewWriter(w)
	base := filepath.Dir(copied)
	err = filepath.WalkDir(copied, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&os.ModeSymlink != 0 {
			link, _ = os.Readlink(p)
		}
		hdr, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(base, p)
		hdr.Name = filepath.ToSlash(rel)
		if info.IsDir() {
			hdr.Name += "/"
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if info.Mode().IsRegular() {
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(tw, f)
			return err
		}
		return nil
	})
	if err != nil {
		s.log.Printf("archive %s: %v", copied, err)
		return nil
	}
	return tw.Close()
}

// putArchive extracts the tar into the directory path names, which must
// exist in the container, as Docker's daemon does.
func (s *Server) putArchive(w http.ResponseWriter, r *http.Request) error {
	p := r.URL.Query().Get("path")
	if p == "" {
		return badRequest("missing the path: use ?path=/directory/in/the/container")
	}
	c, err := s.e.Containers.Get(r.PathValue("id"))
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "dockyard-cp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if _, err := image.Unpack(r.Body, dir); err != nil {
		return badRequest("the body is not a valid tar: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if err := s.e.Containers.CopyTo(c.ID, filepath.Join(dir, e.Name()), p); err != nil {
			if strings.Contains(err.Error(), "could not find the directory") {
				return notFound("%v", err)
			}
			return err
		}
	}
	w.WriteHeader(http.StatusOK)
	return nil
}
