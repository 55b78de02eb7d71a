package build

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"golang.org/x/sys/unix"
)

func TestLayerFromDirConvertsOverlayUpperDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: whiteouts are device nodes and opaque dirs trusted xattrs")
	}
	dir := t.TempDir()
	write := func(rel, body string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	write("etc/motd", "hello\n")
	write("opaque/new", "x")
	if err := os.Link(filepath.Join(dir, "etc/motd"), filepath.Join(dir, "etc/motd.again")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("motd", filepath.Join(dir, "etc/link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(dir, "etc/motd"), 70, 71); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(dir, "etc/gone"), unix.S_IFCHR, 0); err != nil {
		t.Fatal(err)
	}
	if err := unix.Setxattr(filepath.Join(dir, "opaque"), "trusted.overlay.opaque", []byte("y"), 0); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(dir, "dev/shm"), 0o755)
	write("dev/shm/junk", "x")

	file := filepath.Join(t.TempDir(), "layer.tar.gz")
	l, err := LayerFromDir(dir, file, LayerOptions{Skip: []string{"dev"}})
	if err != nil {
		t.Fatalf("LayerFromDir: %v", err)
	}
	// The digests computed while writing are the file's real ones.
	check, err := tarball.LayerFromFile(file)
	if err != nil {
		t.Fatal(err)
	}
	wantDigest, _ := check.Digest()
	wantDiff, _ := check.DiffID()
	if l.Hash != wantDigest || l.Diff != wantDiff {
		t.Errorf("LayerFromDir digests = %s, %s; want %s, %s", l.Hash, l.Diff, wantDigest, wantDiff)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got[h.Name] = h
	}

	tests := []struct {
		name     string
		typeflag byte
		check    func(*tar.Header) bool
	}{
		{"etc/", tar.TypeDir, nil},
		{"etc/motd", tar.TypeReg, func(h *tar.Header) bool { return h.Uid == 70 && h.Gid == 71 && h.Size == 6 && h.Mode&0o777 == 0o640 }},
		{"etc/motd.again", tar.TypeLink, func(h *tar.Header) bool { return h.Linkname == "etc/motd" }},
		{"etc/link", tar.TypeSymlink, func(h *tar.Header) bool { return h.Linkname == "motd" }},
		{"etc/.wh.gone", tar.TypeReg, func(h *tar.Header) bool { return h.Size == 0 }},
		{"opaque/.wh..wh..opq", tar.TypeReg, nil},
		{"opaque/new", tar.TypeReg, nil},
		{"dev/", tar.TypeDir, nil},
	}
	for _, tt := range tests {
		h, ok := got[tt.name]
		if !ok {
			t.Errorf("layer has no %q; entries: %v", tt.name, keys(got))
			continue
		}
		if h.Typeflag != tt.typeflag {
			t.Errorf("%q typeflag = %c, want %c", tt.name, h.Typeflag, tt.typeflag)
		}
		if tt.check != nil && !tt.check(h) {
			t.Errorf("%q header = %+v, not as expected", tt.name, h)
		}
	}
	for _, absent := range []string{"etc/gone", "dev/shm/", "dev/shm/junk"} {
		if _, ok := got[absent]; ok {
			t.Errorf("layer has %q, want it left out", absent)
		}
	}
}

func keys(m map[string]*tar.Header) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
