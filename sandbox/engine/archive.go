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
	"time"

	mobycontainer "github.com/moby/moby/api/types/container"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// ErrPathNotFound matches ArchivePath's error when the path is not in the
// container, and PutArchive's when the directory is not (errors.Is).
var ErrPathNotFound = errors.New("not found in the container")

// pathNotFound is Docker's message for a path not in a container; it is
// NotFound and matches ErrPathNotFound.
func pathNotFound(p, ref string) error {
	return Missing(pathNotFoundError{fmt.Errorf("Could not find the file %s in container %s", p, ref)})
}

type pathNotFoundError struct{ error }

func (e pathNotFoundError) Is(target error) bool { return target == ErrPathNotFound }
func (e pathNotFoundError) Unwrap() error        { return e.error }

// ErrNotADirectory is PutArchive's answer for a path that is a file, in
// Docker's words.
var ErrNotADirectory = errors.New("extraction point is not a directory")

// StatPath is what docker cp learns of a path in a container before
// copying it (HEAD archive): the path itself, not where a symlink there
// points, whose target is LinkTarget. A missing path is NotFound, in
// Docker's words.
func (e *Engine) StatPath(ref, p string) (mobycontainer.PathStat, error) {
	fi, target, err := e.containers.Stat(ref, p)
	return pathStat(ref, p, fi, target, err)
}

// pathStat is the PathStat of p from the container store's answer.
func pathStat(ref, p string, fi fs.FileInfo, linkTarget string, err error) (mobycontainer.PathStat, error) {
	if errors.Is(err, container.ErrPathNotFound) {
		return mobycontainer.PathStat{}, pathNotFound(p, ref)
	}
	if err != nil {
		return mobycontainer.PathStat{}, err
	}
	if (strings.HasSuffix(p, "/") || strings.HasSuffix(p, "/.")) && !fi.IsDir() {
		// A trailing slash asks for a folder: lstat(2) says ENOTDIR, and
		// moby's daemon passes that on.
		return mobycontainer.PathStat{}, fmt.Errorf("lstat %s: not a directory", p)
	}
	return mobycontainer.PathStat{Name: filepath.Base(p), Size: fi.Size(), Mode: fi.Mode(), Mtime: fi.ModTime(), LinkTarget: linkTarget}, nil
}

// ArchivePath is p in a container as a tar stream and its stat, as the
// Engine API's GET archive and `docker cp CONTAINER:PATH ...` read it:
// p is copied out into a temporary folder first (one mount of a stopped
// container), and closing the stream removes that copy.
func (e *Engine) ArchivePath(ref, p string) (io.ReadCloser, mobycontainer.PathStat, error) {
	dir, err := os.MkdirTemp("", "dockyard-cp-")
	if err != nil {
		return nil, mobycontainer.PathStat{}, err
	}
	copied := filepath.Join(dir, "copy")
	fi, linkTarget, err := e.containers.CopyFrom(ref, p, copied)
	st, err := pathStat(ref, p, fi, linkTarget, err)
	if err != nil {
		os.RemoveAll(dir)
		return nil, st, err
	}
	pr, pw := io.Pipe()
	go func() {
		err := writeTar(pw, copied, archiveName(p))
		os.RemoveAll(dir)
		pw.CloseWithError(err)
	}()
	return pr, st, nil
}

// archiveName is the name Docker's daemon gives the entries of p's
// archive (go-archive's TarResourceRebaseOpts): p's base name, "." for
// p's contents when p ends in "/.", "/" for the root.
func archiveName(p string) string {
	if p == "." || strings.HasSuffix(p, "/.") {
		return "."
	}
	return path.Base(path.Clean("/" + p))
}

// entryName is the tar name of rel, a path below the tree archived as
// name: "data/sub/f", "./sub/f" for a "/." copy and "/bin/sh" for the
// root's, as Docker's daemon names them.
func entryName(name, rel string) string {
	switch {
	case rel == ".":
		return name
	case name == "/":
		return "/" + rel
	case name == ".":
		return "./" + rel
	}
	return name + "/" + rel
}

// writeTar writes the tree at src as a tar stream, its entries named from
// name down, as Docker's daemon streams a copied path: no user or group
// names, and the format Go picks (ustar unless a name needs more).
func writeTar(w io.Writer, src, name string) error {
	tw := tar.NewWriter(w)
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
		rel, _ := filepath.Rel(src, p)
		hdr.Name = entryName(name, filepath.ToSlash(rel))
		hdr.Uname, hdr.Gname = "", ""
		hdr.ModTime = hdr.ModTime.Truncate(time.Second)
		if info.IsDir() && !strings.HasSuffix(hdr.Name, "/") {
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
// as `docker cp` into a container and the Engine API's PUT archive: the tar
// is unpacked with the image store's safe unpacker first (no path may leave
// it), then copied in, its files keeping the tar's owners as in Docker, or
// becoming the container's user's with copyUIDGID (docker cp -a) when it
// runs as one. dir may be a symlink to a directory; a missing dir is
// NotFound in Docker's words.
func (e *Engine) PutArchive(ref string, r io.Reader, dir string, copyUIDGID bool) error {
	// Docker answers a missing folder or a file without reading the
	// archive (a symlink there is followed by CopyTo).
	switch fi, _, err := e.containers.Stat(ref, dir); {
	case errors.Is(err, container.ErrPathNotFound):
		return pathNotFound(dir, ref)
	case err == nil && !fi.IsDir() && fi.Mode()&fs.ModeSymlink == 0:
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
	srcs := make([]string, len(entries))
	for i, ent := range entries {
		srcs[i] = filepath.Join(tmp, ent.Name())
	}
	err = e.containers.CopyTo(ref, dir, srcs, copyUIDGID)
	switch {
	case errors.Is(err, container.ErrPathNotFound):
		return pathNotFound(dir, ref)
	case errors.Is(err, container.ErrNotADirectory):
		return ErrNotADirectory
	case errors.Is(err, container.ErrReadOnlyVolume) || errors.Is(err, container.ErrReadOnlyRootfs):
		return Invalid(err)
	}
	return err
}
