package engine

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// ErrPathNotFound matches CopyOut's error when the path is not in the
// container, and PutArchive's when the directory is not (errors.Is).
var ErrPathNotFound = errors.New("not found in the container")

// pathNotFound keeps the store's message, in Docker's words, and matches
// ErrPathNotFound.
type pathNotFound struct{ error }

func (e pathNotFound) Is(target error) bool { return target == ErrPathNotFound }
func (e pathNotFound) Unwrap() error        { return e.error }

// ErrNotADirectory is PutArchive's answer for a path that is a file, in
// Docker's words.
var ErrNotADirectory = errors.New("extraction point is not a directory")

// CopyOut copies p out of a container into a new temporary directory, as
// the first half of `docker cp CONTAINER:PATH -` and of the Engine API's
// GET archive; cleanup removes the copy.
func (e *Engine) CopyOut(ref, p string) (copied string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "dockyard-cp-")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { os.RemoveAll(dir) }
	name := path.Base(path.Clean("/" + p))
	if name == "/" {
		name = "root"
	}
	copied = filepath.Join(dir, name)
	if err := e.containers.CopyFrom(ref, p, copied); err != nil {
		cleanup()
		if strings.Contains(err.Error(), "Could not find the file") {
			return "", nil, pathNotFound{err}
		}
		return "", nil, err
	}
	return copied, cleanup, nil
}

// CopyFromContainer copies p out of a container to hostDst (docker cp
// CONTAINER:PATH DEST).
func (e *Engine) CopyFromContainer(ref, p, hostDst string) error {
	return e.containers.CopyFrom(ref, p, hostDst)
}

// CopyToContainer copies hostSrc into a container at p (docker cp SRC
// CONTAINER:PATH).
func (e *Engine) CopyToContainer(ref, hostSrc, p string) error {
	return e.containers.CopyTo(ref, hostSrc, p)
}

// StatPath is what docker cp learns of a path in a container before
// copying it; a missing path is NotFound, in Docker's words.
func (e *Engine) StatPath(ref, p string) (fs.FileInfo, error) {
	fi, err := e.containers.Stat(ref, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, Missing(pathNotFound{fmt.Errorf("Could not find the file %s in container %s", p, ref)})
	}
	return fi, err
}

// WriteTar writes the tree at src as a tar stream, its entries named from
// src's base name down, as Docker streams a copied path.
func WriteTar(w io.Writer, src string) error {
	tw := tar.NewWriter(w)
	base := filepath.Dir(src)
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
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
		if !info.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// PutArchive extracts a tar stream into the directory dir of a container,
// as `docker cp - CONTAINER:DIR` and the Engine API's PUT archive: the tar
// is unpacked with the image store's safe unpacker first (no path may leave
// it), then copied in, its files becoming root's as in Docker.
func (e *Engine) PutArchive(ref string, r io.Reader, dir string) error {
	fi, err := e.containers.Stat(ref, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return pathNotFound{fmt.Errorf("could not find the directory %s in container %s", dir, ref)}
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return ErrNotADirectory
	}
	tmp, err := os.MkdirTemp("", "dockyard-cp-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if _, err := image.Unpack(r, tmp); err != nil {
		return fmt.Errorf("the archive is not a valid tar: %w", err)
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return err
	}
	for _, ent := range entries {
		if err := e.containers.CopyTo(ref, filepath.Join(tmp, ent.Name()), dir); err != nil {
			if strings.Contains(err.Error(), "could not find the directory") {
				return pathNotFound{err}
			}
			return err
		}
	}
	return nil
}
