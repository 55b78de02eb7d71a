package build

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"golang.org/x/sys/unix"
)

// LayerOptions tune LayerFromDir.
type LayerOptions struct {
	// Skip leaves out the entries below these slash-separated paths (the
	// paths themselves are kept, as empty directories), e.g. "dev", "proc".
	Skip []string
}

// LayerFromDir packs dir as one gzip-compressed layer tarball into file and
// returns it as a layer. Overlayfs whiteouts in dir (0/0 character devices
// and opaque directories, as an overlay upper dir holds them) become OCI
// whiteouts (.wh.name and .wh..wh..opq), so the upper dir of a container
// turns into the layer of what it changed. Owners, modes, hard links, device
// nodes and file capabilities are kept.
func LayerFromDir(dir, file string, opts LayerOptions) (v1.Layer, error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("create layer file: %w", err)
	}
	err = writeLayer(dir, f, opts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(file)
		return nil, fmt.Errorf("pack %s: %w", dir, err)
	}
	l, err := tarball.LayerFromFile(file)
	if err != nil {
		return nil, fmt.Errorf("open layer %s: %w", file, err)
	}
	return l, nil
}

func writeLayer(dir string, w io.Writer, opts LayerOptions) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(zw)
	type inode struct{ dev, ino uint64 }
	links := map[inode]string{}
	skip := map[string]bool{}
	for _, s := range opts.Skip {
		skip[strings.Trim(s, "/")] = true
	}

	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st, _ := fi.Sys().(*syscall.Stat_t)

		// An overlay whiteout: a 0/0 character device hides a lower file.
		if fi.Mode()&fs.ModeCharDevice != 0 && st != nil && st.Rdev == 0 {
			return tw.WriteHeader(&tar.Header{
				Typeflag: tar.TypeReg, Name: whiteout(rel), Mode: 0o644, ModTime: fi.ModTime(),
				Format: tar.FormatPAX,
			})
		}

		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(path); err != nil {
				return err
			}
		}
		hdr, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		hdr.Name = rel
		hdr.Uname, hdr.Gname = "", ""
		hdr.Format = tar.FormatPAX
		hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
		if st != nil {
			hdr.Uid, hdr.Gid = int(st.Uid), int(st.Gid)
			if fi.Mode().IsRegular() && st.Nlink > 1 {
				key := inode{uint64(st.Dev), st.Ino}
				if first, ok := links[key]; ok {
					hdr.Typeflag, hdr.Linkname, hdr.Size = tar.TypeLink, first, 0
				} else {
					links[key] = rel
				}
			}
		}
		if fi.IsDir() {
			hdr.Name += "/"
		}
		if capb, err := getxattr(path, "security.capability"); err == nil && len(capb) > 0 {
			hdr.PAXRecords = map[string]string{"SCHILY.xattr.security.capability": string(capb)}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if hdr.Typeflag == tar.TypeReg && hdr.Size > 0 {
			src, err := os.Open(path)
			if err != nil {
				return err
			}
			_, err = io.CopyN(tw, src, hdr.Size)
			src.Close()
			if err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
		}
		if fi.IsDir() {
			if v, err := getxattr(path, "trusted.overlay.opaque"); err == nil && string(v) == "y" {
				if err := tw.WriteHeader(&tar.Header{
					Typeflag: tar.TypeReg, Name: rel + "/.wh..wh..opq", Mode: 0o644, ModTime: fi.ModTime(),
					Format: tar.FormatPAX,
				}); err != nil {
					return err
				}
			}
			if skip[rel] {
				return fs.SkipDir
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// whiteout names the OCI whiteout entry that deletes rel.
func whiteout(rel string) string {
	dir, base := filepath.Split(rel)
	return dir + ".wh." + base
}

func getxattr(path, attr string) ([]byte, error) {
	buf := make([]byte, 256)
	for {
		n, err := unix.Lgetxattr(path, attr, buf)
		if errors.Is(err, unix.ERANGE) {
			buf = make([]byte, len(buf)*4)
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}
