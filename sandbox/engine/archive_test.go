package engine

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestArchiveName(t *testing.T) {
	for p, want := range map[string]string{
		"/etc/hostname": "hostname",
		"etc/hostname":  "hostname",
		"/data/":        "data",
		"/data/.":       ".",
		".":             ".",
		"/":             "/",
		"/data/sub/..":  "data",
	} {
		if got := archiveName(p); got != want {
			t.Errorf("archiveName(%q) = %q, want %q", p, got, want)
		}
	}
}

// writeTar's stream is what Docker's daemon sends for the same tree: the
// same names and, entry for entry, the same size, which docker cp reports.
func TestWriteTar(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "copied")
	os.MkdirAll(filepath.Join(src, "sub"), 0o755)
	os.WriteFile(filepath.Join(src, "sub", "f"), []byte("hello\n"), 0o644)
	os.Symlink("sub/f", filepath.Join(src, "link"))
	mtime := time.Date(2026, 5, 1, 12, 0, 0, 900_000_000, time.UTC)
	os.Chtimes(filepath.Join(src, "sub", "f"), mtime, mtime)

	for _, tt := range []struct {
		name  string
		want  []string
		bytes int
	}{
		{"data", []string{"data/", "data/link", "data/sub/", "data/sub/f"}, 5 * 512},
		{".", []string{"./", "./link", "./sub/", "./sub/f"}, 5 * 512},
		{"/", []string{"/", "/link", "/sub/", "/sub/f"}, 5 * 512},
	} {
		var buf bytes.Buffer
		if err := writeTar(&buf, src, tt.name); err != nil {
			t.Fatal(err)
		}
		// four headers, one block of data, the two blocks that end a tar
		if buf.Len() != tt.bytes+1024 {
			t.Errorf("writeTar(%q) wrote %d bytes, want %d", tt.name, buf.Len(), tt.bytes+1024)
		}
		tr := tar.NewReader(&buf)
		var got []string
		for {
			hdr, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, hdr.Name)
			if hdr.Uname != "" || hdr.Gname != "" {
				t.Errorf("writeTar(%q) entry %s names its owner %s:%s, want ids only", tt.name, hdr.Name, hdr.Uname, hdr.Gname)
			}
			if hdr.Typeflag == tar.TypeReg && !hdr.ModTime.Equal(mtime.Truncate(time.Second)) {
				t.Errorf("writeTar(%q) entry %s ModTime = %v, want %v (truncated, as Docker)", tt.name, hdr.Name, hdr.ModTime, mtime.Truncate(time.Second))
			}
		}
		if len(got) != len(tt.want) {
			t.Fatalf("writeTar(%q) entries = %q, want %q", tt.name, got, tt.want)
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("writeTar(%q) entries = %q, want %q", tt.name, got, tt.want)
				break
			}
		}
	}
}
