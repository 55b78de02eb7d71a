package container

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/image"
)

func tarOf(t testing.TB, entries ...tar.Header) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, h := range entries {
		h.Mode = 0o755
		body := []byte(nil)
		if h.Typeflag == tar.TypeReg {
			body = []byte("payload\n")
			h.Size = int64(len(body))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write(body)
	}
	tw.Close()
	return buf.Bytes()
}

// FuzzArchivePut is PUT /containers/{id}/archive (docker cp into a
// container) as the engine does it: the archive unpacked into a temporary
// folder, then copied into the container's root filesystem under the
// target folder, which already holds symlinks a hostile image could ship
// (one absolute, one relative, both aimed outside the root filesystem).
// Whatever the archive, nothing outside the root filesystem changes.
func FuzzArchivePut(f *testing.F) {
	if os.Geteuid() != 0 {
		f.Skip("needs root: unpack keeps ownership")
	}
	f.Add(tarOf(f, tar.Header{Name: "hello", Typeflag: tar.TypeReg}))
	f.Add(tarOf(f, tar.Header{Name: "abs/pwned", Typeflag: tar.TypeReg}))
	f.Add(tarOf(f, tar.Header{Name: "rel/pwned", Typeflag: tar.TypeReg}))
	f.Add(tarOf(f, tar.Header{Name: "abs/", Typeflag: tar.TypeDir}, tar.Header{Name: "abs/sub/pwned", Typeflag: tar.TypeReg}))
	f.Add(tarOf(f, tar.Header{Name: "l", Typeflag: tar.TypeSymlink, Linkname: "/"}, tar.Header{Name: "l/pwned", Typeflag: tar.TypeReg}))
	f.Add(tarOf(f, tar.Header{Name: "../pwned", Typeflag: tar.TypeReg}))
	f.Fuzz(func(t *testing.T, archive []byte) {
		base := t.TempDir()
		outside := filepath.Join(base, "outside")
		rootfs := filepath.Join(base, "rootfs")
		target := filepath.Join(rootfs, "data")
		for _, d := range []string{outside, target} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		os.Symlink(outside, filepath.Join(target, "abs"))
		os.Symlink("../../outside", filepath.Join(target, "rel"))

		tmp := t.TempDir()
		if _, err := image.Unpack(bytes.NewReader(archive), tmp); err != nil {
			return
		}
		entries, _ := os.ReadDir(tmp)
		var srcs []string
		for _, e := range entries {
			srcs = append(srcs, filepath.Join(tmp, e.Name()))
		}
		into, err := folderIn(rootfs, "/data")
		if err != nil {
			t.Fatal(err)
		}
		copyAllInto(rootfs, into, srcs, &Owner{})

		var escaped []string
		filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
			if err == nil && p != base && p != outside && p != rootfs && !strings.HasPrefix(p, rootfs+"/") {
				escaped = append(escaped, p)
			}
			return nil
		})
		if len(escaped) > 0 {
			t.Fatalf("a docker cp into the container wrote outside its root filesystem: %v", escaped)
		}
	})
}
