package build

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
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
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sys/unix"
)

// LayerOptions tune LayerFromDir.
type LayerOptions struct {
	// Skip leaves out the entries below these slash-separated paths (the
	// paths themselves are kept, as empty directories), e.g. "dev", "proc".
	Skip []string
}

// LayerFromDir packs dir as one gzip-compressed layer tarball into file and
// returns it as a layer whose digests were computed while it was written. Overlayfs whiteouts in dir (0/0 character devices
// and opaque directories, as an overlay upper dir holds them) become OCI
// whiteouts (.wh.name and .wh..wh..opq), so the upper dir of a container
// turns into the layer of what it changed. Owners, modes, hard links, device
// nodes and file capabilities are kept.
func LayerFromDir(dir, file string, opts LayerOptions) (*FileLayer, error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("create layer file: %w", err)
	}
	compressed := sha256.New()
	counter := &countWriter{}
	diff, err := writeLayer(dir, io.MultiWriter(f, compressed, counter), opts)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(file)
		return nil, fmt.Errorf("pack %s: %w", dir, err)
	}
	return &FileLayer{
		Path:   file,
		Dir:    dir,
		Skip:   opts.Skip,
		Hash:   v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(compressed.Sum(nil))},
		Diff:   diff,
		Length: counter.n,
	}, nil
}

type countWriter struct{ n int64 }

func (c *countWriter) Write(b []byte) (int, error) { c.n += int64(len(b)); return len(b), nil }

// FileLayer is a gzip-compressed layer tarball on disk whose digests are
// known, so using it never reads the file just to hash it again. It is an
// image.LocalLayer: the image store links the file and the directory it
// was packed from instead of writing the layer again.
type FileLayer struct {
	Path string `json:"-"`
	// Dir is the directory the tarball was packed from, Skip what it left
	// out (LayerOptions.Skip); neither may change while the layer is used.
	Dir    string   `json:"-"`
	Skip   []string `json:"-"`
	Hash   v1.Hash  `json:"digest"`
	Diff   v1.Hash  `json:"diffID"`
	Length int64    `json:"size"`
}

// Local returns the tarball, the directory and what the tarball leaves out.
func (l *FileLayer) Local() (blob, dir string, skip []string) { return l.Path, l.Dir, l.Skip }

// Digest is the compressed file's sha256.
func (l *FileLayer) Digest() (v1.Hash, error) { return l.Hash, nil }

// DiffID is the uncompressed tar's sha256.
func (l *FileLayer) DiffID() (v1.Hash, error) { return l.Diff, nil }

// Size is the compressed size.
func (l *FileLayer) Size() (int64, error) { return l.Length, nil }

// MediaType is Docker's gzip layer type, as go-containerregistry's tarball
// layers have.
func (l *FileLayer) MediaType() (types.MediaType, error) { return types.DockerLayer, nil }

// Compressed opens the file.
func (l *FileLayer) Compressed() (io.ReadCloser, error) { return os.Open(l.Path) }

// Uncompressed opens the file through gzip.
func (l *FileLayer) Uncompressed() (io.ReadCloser, error) {
	f, err := os.Open(l.Path)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{zr, f}, nil
}

// writeLayer writes dir as a gzip-compressed tar to w and returns the
// uncompressed tar's digest (the layer's diff id).
func writeLayer(dir string, w io.Writer, opts LayerOptions) (v1.Hash, error) {
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed)
	if err != nil {
		return v1.Hash{}, err
	}
	uncompressed := sha256.New()
	tw := tar.NewWriter(io.MultiWriter(zw, uncompressed))
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
		return v1.Hash{}, err
	}
	if err := tw.Close(); err != nil {
		return v1.Hash{}, err
	}
	if err := zw.Close(); err != nil {
		return v1.Hash{}, err
	}
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(uncompressed.Sum(nil))}, nil
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
