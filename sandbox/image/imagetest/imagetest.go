// Package imagetest makes real images and registries for tests: a busybox
// image built from Debian's busybox-static package, random multi-layer
// images, and go-containerregistry's registry served on loopback.
package imagetest

import (
	"archive/tar"
	"bytes"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// BusyboxPath is where Debian's busybox-static package installs busybox.
const BusyboxPath = "/bin/busybox"

// Created is the creation time of the images this package makes; fixed,
// so their ids are the same in every run.
var Created = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

var (
	busyboxOnce sync.Once
	busyboxImg  v1.Image
	busyboxErr  error
)

// Busybox returns a one-layer image holding /bin/busybox and a symlink for
// each of its applets (/bin/sh, /bin/ls, ...), /etc/passwd and /etc/group
// with root and nobody, and a config with Cmd ["sh"]. It needs the
// busybox-static package (.ci/apt-packages); the test fails, not skips,
// without it, since CI always has it.
func Busybox(t testing.TB) v1.Image {
	t.Helper()
	busyboxOnce.Do(func() { busyboxImg, busyboxErr = buildBusybox() })
	if busyboxErr != nil {
		t.Fatalf("imagetest.Busybox: %v", busyboxErr)
	}
	return busyboxImg
}

func buildBusybox() (v1.Image, error) {
	bin, err := os.ReadFile(BusyboxPath)
	if err != nil {
		return nil, err
	}
	list, err := exec.Command(BusyboxPath, "--list-full").Output()
	if err != nil {
		return nil, err
	}
	files := []File{
		{Name: "bin/busybox", Mode: 0o755, Body: bin},
		{Name: "etc/passwd", Mode: 0o644, Body: []byte("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n")},
		{Name: "etc/group", Mode: 0o644, Body: []byte("root:x:0:\nnogroup:x:65534:\n")},
		{Name: "root/", Mode: 0o700},
		{Name: "tmp/", Mode: 0o1777},
		{Name: "proc/", Mode: 0o555},
		{Name: "sys/", Mode: 0o555},
		{Name: "dev/", Mode: 0o755},
		{Name: "var/", Mode: 0o755},
	}
	for _, a := range strings.Fields(string(list)) {
		if a == "bin/busybox" {
			continue
		}
		files = append(files, File{Name: a, Link: "/bin/busybox"})
	}
	layer, err := Layer(files)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return nil, err
	}
	return Configure(img, v1.Config{
		Env: []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
		Cmd: []string{"sh"},
	}, "busybox from Debian's busybox-static")
}

// Configure sets an image's config, OS/architecture, creation time and one
// history entry per layer.
func Configure(img v1.Image, c v1.Config, createdBy string) (v1.Image, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Config = c
	cf.OS, cf.Architecture = "linux", "amd64"
	cf.Created = v1.Time{Time: Created}
	cf.History = nil
	for range cf.RootFS.DiffIDs {
		cf.History = append(cf.History, v1.History{Created: v1.Time{Time: Created}, CreatedBy: createdBy})
	}
	return mutate.ConfigFile(img, cf)
}

// File is one entry of a test layer: a directory (Name ends in "/"), a
// symlink (Link set), a hardlink (Hardlink set) or a regular file.
type File struct {
	Name     string
	Mode     int64
	Body     []byte
	Link     string
	Hardlink string
	Uid, Gid int
	Xattrs   map[string]string
}

// Tar returns an uncompressed tar of files, with the parent directories
// that are not listed added first.
func Tar(files []File) ([]byte, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	seen := map[string]bool{}
	var dirs []string
	for _, f := range files {
		for d := path.Dir(strings.TrimSuffix(f.Name, "/")); d != "." && d != "/"; d = path.Dir(d) {
			if !seen[d] {
				seen[d] = true
				dirs = append(dirs, d)
			}
		}
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: d + "/", Mode: 0o755, ModTime: Created, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
	}
	for _, f := range files {
		h := &tar.Header{Name: f.Name, Mode: f.Mode, Uid: f.Uid, Gid: f.Gid, ModTime: Created, Format: tar.FormatPAX}
		for k, v := range f.Xattrs {
			if h.PAXRecords == nil {
				h.PAXRecords = map[string]string{}
			}
			h.PAXRecords["SCHILY.xattr."+k] = v
		}
		switch {
		case strings.HasSuffix(f.Name, "/"):
			if seen[strings.TrimSuffix(f.Name, "/")] && f.Mode == 0o755 {
				continue
			}
			h.Typeflag = tar.TypeDir
		case f.Link != "":
			h.Typeflag, h.Linkname, h.Mode = tar.TypeSymlink, f.Link, 0o777
		case f.Hardlink != "":
			h.Typeflag, h.Linkname = tar.TypeLink, f.Hardlink
		default:
			h.Typeflag, h.Size = tar.TypeReg, int64(len(f.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(f.Body); err != nil {
				return nil, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Layer returns a gzip-compressed layer of files.
func Layer(files []File) (v1.Layer, error) {
	b, err := Tar(files)
	if err != nil {
		return nil, err
	}
	return tarball.LayerFromReader(bytes.NewReader(b))
}

// Registry serves go-containerregistry's in-memory registry on loopback
// for the test and returns its host ("127.0.0.1:PORT"). Loopback
// registries speak plain HTTP.
func Registry(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(discardLogger())))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// Push pushes img to ref ("127.0.0.1:PORT/busybox:latest") and returns
// the manifest digest.
func Push(t testing.TB, ref string, img v1.Image) v1.Hash {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatalf("imagetest.Push(%q): %v", ref, err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatalf("imagetest.Push(%q): %v", ref, err)
	}
	d, err := img.Digest()
	if err != nil {
		t.Fatalf("imagetest.Push(%q): %v", ref, err)
	}
	return d
}

// Random returns an image of n layers of size bytes of random content each
// (incompressible, like a real download), with a busybox-like config.
func Random(t testing.TB, n int, size int64) v1.Image {
	t.Helper()
	img, err := random.Image(size, int64(n))
	if err != nil {
		t.Fatalf("imagetest.Random: %v", err)
	}
	img, err = Configure(img, v1.Config{Cmd: []string{"sh"}}, "random")
	if err != nil {
		t.Fatalf("imagetest.Random: %v", err)
	}
	return img
}

// WithLabel returns img with one more label, which gives it a new id.
func WithLabel(t testing.TB, img v1.Image, key, value string) v1.Image {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatalf("imagetest.WithLabel: %v", err)
	}
	cf = cf.DeepCopy()
	if cf.Config.Labels == nil {
		cf.Config.Labels = map[string]string{}
	}
	cf.Config.Labels[key] = value
	out, err := mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatalf("imagetest.WithLabel: %v", err)
	}
	return out
}
