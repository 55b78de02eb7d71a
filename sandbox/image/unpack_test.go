package image_test

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/dockyard-lab/dockyard/sandbox/image"
)

var update = flag.Bool("update", false, "rewrite testdata/hostile from the table in unpack_test.go")

// Absolute paths the hostile layers aim at; a test fails if any appears.
const (
	absTarget     = "/tmp/dockyard-hostile-absolute"
	symlinkTarget = "/tmp/dockyard-hostile-symlink"
)

type entry struct {
	typ    byte
	name   string
	link   string
	body   string
	major  int64
	xattrs map[string]string
}

func reg(name, body string) entry    { return entry{typ: tar.TypeReg, name: name, body: body} }
func dir(name string) entry          { return entry{typ: tar.TypeDir, name: name} }
func symlink(name, to string) entry  { return entry{typ: tar.TypeSymlink, name: name, link: to} }
func hardlink(name, to string) entry { return entry{typ: tar.TypeLink, name: name, link: to} }

// hostile is the corpus of attacks on layer unpacking. Each layer is
// unpacked into <tmp>/layer next to <tmp>/outside, which holds a file
// "target"; none may write, link or delete anything outside the layer,
// and each must be rejected with an error that names the problem.
var hostile = []struct {
	file    string
	doc     string
	entries []entry
	wantErr string
}{
	{"dotdot.tar", "a plain ../ path", []entry{reg("../outside/pwned", "x")}, "leaves the layer"},
	{"dotdot-nested.tar", "../ hidden after real directories", []entry{dir("a/"), reg("a/b/../../../outside/pwned", "x")}, "leaves the layer"},
	{"absolute.tar", "an absolute path", []entry{reg(absTarget, "x")}, "absolute path"},
	{"symlink-absolute-then-write.tar", "a symlink to an absolute directory, then a file through it",
		[]entry{symlink("evil", filepath.Dir(symlinkTarget)), reg("evil/"+filepath.Base(symlinkTarget), "x")}, "parent directory is a symlink"},
	{"symlink-relative-then-write.tar", "a symlink up and out, then a file through it",
		[]entry{symlink("up", "../outside"), reg("up/pwned", "x")}, "parent directory is a symlink"},
	{"symlink-replaces-dir.tar", "a directory replaced by a symlink, then a file into it",
		[]entry{dir("d/"), symlink("d", "../outside"), reg("d/pwned", "x")}, "parent directory is a symlink"},
	{"symlink-parent-deep.tar", "a symlinked parent deep in a path",
		[]entry{dir("a/"), symlink("a/b", "../../outside"), dir("a/b/c/")}, "parent directory is a symlink"},
	{"hardlink-dotdot.tar", "a hardlink to a file outside by ../", []entry{hardlink("h", "../outside/target")}, "hardlink target path leaves the layer"},
	{"hardlink-absolute.tar", "a hardlink to an absolute path", []entry{hardlink("h", "/etc/passwd")}, "hardlink to absolute path"},
	{"hardlink-through-symlink.tar", "a hardlink reaching through a symlink to a host file",
		[]entry{symlink("s", "/etc"), hardlink("h", "s/passwd")}, "goes through a symlink"},
	{"hardlink-missing.tar", "a hardlink to nothing", []entry{hardlink("h", "nope")}, "is not in the layer"},
	{"whiteout-dotdot.tar", "a whiteout that deletes outside", []entry{reg("../outside/.wh.target", "")}, "leaves the layer"},
	{"whiteout-of-parent.tar", "a whiteout of ..", []entry{dir("a/"), reg("a/.wh..", "")}, "whiteout of an invalid name"},
	{"whiteout-through-symlink.tar", "a whiteout below a symlink to outside",
		[]entry{symlink("s", "../outside"), reg("s/.wh.target", "")}, "parent directory is a symlink"},
	{"device-block.tar", "a block device (the host's disk)", []entry{{typ: tar.TypeBlock, name: "sda", major: 8}}, "device nodes are not allowed"},
	{"device-char.tar", "a character device (/dev/mem)", []entry{{typ: tar.TypeChar, name: "mem", major: 1}}, "device nodes are not allowed"},
	{"long-name.tar", "a 5000-byte name", []entry{reg(strings.Repeat("a/", 2500)+"x", "x")}, "more than Linux allows"},
	{"long-component.tar", "a 300-byte file name", []entry{reg(strings.Repeat("n", 300), "x")}, "more than Linux allows"},
	{"overlay-xattr.tar", "an overlayfs redirect smuggled in as an xattr",
		[]entry{{typ: tar.TypeDir, name: "d/", xattrs: map[string]string{"trusted.overlay.redirect": "/../../outside"}}}, "sets overlayfs attribute"},
}

func buildTar(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range entries {
		h := &tar.Header{Typeflag: e.typ, Name: e.name, Linkname: e.link, Mode: 0o644, ModTime: mtime, Size: int64(len(e.body)), Devmajor: e.major, Format: tar.FormatPAX}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if e.typ == tar.TypeDir {
			h.Mode = 0o755
		}
		for k, v := range e.xattrs {
			if h.PAXRecords == nil {
				h.PAXRecords = map[string]string{}
			}
			h.PAXRecords["SCHILY.xattr."+k] = v
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("write %s: %v", e.name, err)
		}
		if h.Size > 0 {
			tw.Write([]byte(e.body))
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHostileLayersAreRejected(t *testing.T) {
	needRoot(t)
	for _, tc := range hostile {
		t.Run(strings.TrimSuffix(tc.file, ".tar"), func(t *testing.T) {
			want := buildTar(t, tc.entries)
			path := filepath.Join("testdata", "hostile", tc.file)
			if *update {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestHostile -update to write the corpus)", err)
			}
			if !bytes.Equal(b, want) {
				t.Fatalf("%s differs from the table (run go test -run TestHostile -update)", path)
			}

			tmp := t.TempDir()
			layer, outside := filepath.Join(tmp, "layer"), filepath.Join(tmp, "outside")
			for _, d := range []string{layer, outside} {
				if err := os.Mkdir(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(outside, "target"), []byte("precious"), 0o644); err != nil {
				t.Fatal(err)
			}

			_, err = image.Unpack(bytes.NewReader(b), layer)
			t.Logf("%s: %v", tc.file, err)
			var unsafe *image.UnsafeEntryError
			if !errors.As(err, &unsafe) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Unpack(%s: %s) = %v, want an unsafe entry error saying %q", tc.file, tc.doc, err, tc.wantErr)
			}
			ents, _ := os.ReadDir(outside)
			if len(ents) != 1 {
				t.Errorf("Unpack(%s) changed the directory outside the layer: %v", tc.file, ents)
			}
			if c, err := os.ReadFile(filepath.Join(outside, "target")); err != nil || string(c) != "precious" {
				t.Errorf("Unpack(%s) changed outside/target: %q, %v", tc.file, c, err)
			}
			for _, p := range []string{absTarget, symlinkTarget} {
				if _, err := os.Lstat(p); err == nil {
					os.Remove(p)
					t.Errorf("Unpack(%s) wrote %s", tc.file, p)
				}
			}
		})
	}
}

// Replacing a symlink with a file is legal, but must replace the link,
// never write through it.
func TestFileReplacingSymlinkDoesNotWriteThrough(t *testing.T) {
	needRoot(t)
	tmp := t.TempDir()
	layer, outside := filepath.Join(tmp, "layer"), filepath.Join(tmp, "outside")
	os.Mkdir(layer, 0o755)
	os.Mkdir(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "target"), []byte("precious"), 0o644)
	b := buildTar(t, []entry{symlink("f", "../outside/target"), reg("f", "mine"), hardlink("g", "f")})
	if _, err := image.Unpack(bytes.NewReader(b), layer); err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	if c, _ := os.ReadFile(filepath.Join(outside, "target")); string(c) != "precious" {
		t.Errorf("outside/target = %q, want it untouched", c)
	}
	fi, err := os.Lstat(filepath.Join(layer, "f"))
	if err != nil || !fi.Mode().IsRegular() {
		t.Errorf("f = %v, %v, want a regular file", fi, err)
	}
	if c, _ := os.ReadFile(filepath.Join(layer, "g")); string(c) != "mine" {
		t.Errorf("hardlink g = %q, want mine", c)
	}
}

func TestImageWithHostileLayerIsNotStored(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	layer, err := tarball.LayerFromReader(bytes.NewReader(buildTar(t, []entry{symlink("up", "../outside"), reg("up/pwned", "x")})))
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	_, err = s.Write(ctx, img, "evil")
	if err == nil || !strings.Contains(err.Error(), `unsafe layer entry "up/pwned"`) {
		t.Fatalf("Write of a hostile image = %v, want an unsafe layer entry error", err)
	}
	if imgs, _ := s.List(ctx); len(imgs) != 0 {
		t.Errorf("hostile image was recorded: %v", imgs)
	}
	if _, err := s.Get(ctx, "evil"); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("Get(evil) = %v, want ErrNotFound", err)
	}
}
