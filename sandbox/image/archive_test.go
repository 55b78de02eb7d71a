package image_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"

	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

func TestSaveThenLoadKeepsIDAndNames(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	src := openStore(t)
	img, err := src.Write(ctx, imagetest.Busybox(t), "busybox:latest", "localhost:5000/box:v1")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := src.Save(ctx, []string{"busybox", "localhost:5000/box:v1"}, &buf); err != nil {
		t.Fatalf("Save: %v", err)
	}
	dst := openStore(t)
	loaded, err := dst.Load(ctx, &buf)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(loaded) != 1 || loaded[0].Image.ID != img.ID {
		t.Fatalf("Load = %+v, want one image %s", loaded, img.ID)
	}
	if want := []string{"busybox:latest", "localhost:5000/box:v1"}; !slices.Equal(loaded[0].Image.RepoTags, want) {
		t.Errorf("loaded RepoTags = %v, want %v", loaded[0].Image.RepoTags, want)
	}
	dirs, err := dst.LayerDirs(ctx, loaded[0].Image)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dirs[0], "bin/busybox")); err != nil {
		t.Errorf("loaded layer lacks bin/busybox: %v", err)
	}
}

func TestLoadOCILayoutTar(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	bb := imagetest.Busybox(t)
	if err := p.AppendImage(bb, layout.WithAnnotations(map[string]string{"io.containerd.image.name": "docker.io/library/busybox:oci"})); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.AddFS(os.DirFS(dir).(fs.FS)); err != nil {
		t.Fatal(err)
	}
	tw.Close()
	s := openStore(t)
	loaded, err := s.Load(ctx, &buf)
	if err != nil {
		t.Fatalf("Load of an OCI layout: %v", err)
	}
	wantID, _ := bb.ConfigName()
	if len(loaded) != 1 || loaded[0].Image.ID != wantID.String() || !slices.Equal(loaded[0].Tags, []string{"busybox:oci"}) {
		t.Errorf("Load = %+v, want %s named busybox:oci", loaded, wantID)
	}
}

func TestLoadRejectsWhatIsNotAnImage(t *testing.T) {
	s := openStore(t)
	for name, in := range map[string][]byte{
		"not a tar":      []byte("hello, this is not a tar file at all, but long enough to be read as a header block" + strings.Repeat("x", 600)),
		"tar, no images": mustTar(t, "readme.txt", "hi"),
		"empty":          {},
	} {
		_, err := s.Load(context.Background(), bytes.NewReader(in))
		if err == nil || !(strings.HasPrefix(err.Error(), "load: not ") || strings.HasPrefix(err.Error(), "load: the input is empty")) {
			t.Errorf("Load(%s) = %v, want a not-an-archive error", name, err)
		}
	}
}

func mustTar(t *testing.T, name, body string) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body))})
	tw.Write([]byte(body))
	tw.Close()
	return buf.Bytes()
}

func TestInspectAndHistory(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	s := openStore(t)
	img, err := s.Write(ctx, imagetest.Busybox(t), "busybox")
	if err != nil {
		t.Fatal(err)
	}
	ins, err := s.Inspect(ctx, img)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(ins)
	var got map[string]any
	json.Unmarshal(b, &got)
	if got["Id"] != img.ID || got["Os"] != "linux" || got["Architecture"] != "amd64" || got["Created"] != "2024-01-02T03:04:05Z" {
		t.Errorf("inspect JSON = %s", b)
	}
	cfg := got["Config"].(map[string]any)
	if cmd := cfg["Cmd"].([]any); len(cmd) != 1 || cmd[0] != "sh" {
		t.Errorf("inspect Config.Cmd = %v, want [sh]", cmd)
	}
	if tags := got["RepoTags"].([]any); len(tags) != 1 || tags[0] != "busybox:latest" {
		t.Errorf("inspect RepoTags = %v", tags)
	}
	if layers := got["RootFS"].(map[string]any)["Layers"].([]any); len(layers) != 1 {
		t.Errorf("inspect RootFS.Layers = %v, want one", layers)
	}

	h, err := s.History(ctx, img)
	if err != nil || len(h) != 1 {
		t.Fatalf("History = %v, %v, want one step", h, err)
	}
	if h[0].ID != img.ID || h[0].Size != img.Size || !strings.Contains(h[0].CreatedBy, "busybox-static") {
		t.Errorf("History[0] = %+v, want id %s size %d", h[0], img.ID, img.Size)
	}
}

// TestLoadRefusesHostileArchives: docker save archives written by hand to
// escape or to lie (found by QA). Each is refused with one line, and the
// store is left as it was: no new image, no new name, nothing in tmp.
func TestLoadRefusesHostileArchives(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	bb := imagetest.Busybox(t)
	rawCfg, err := bb.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfgName, err := bb.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	// Other content in a layer, under busybox's config (and so its diff id).
	evil, err := imagetest.Layer([]imagetest.File{{Name: "bin/evil", Mode: 0o755, Body: []byte("#!/bin/sh\necho pwned\n")}})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := evil.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	evilGz, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	manifest := func(cfg string, layers ...string) string {
		b, _ := json.Marshal([]map[string]any{{"Config": cfg, "RepoTags": []string{"evil:1"}, "Layers": layers}})
		return string(b)
	}
	type entry struct{ name, body, link string }
	for _, tc := range []struct {
		name    string
		entries []entry
		want    string
	}{
		{"layer path escapes", []entry{{name: "manifest.json", body: manifest(cfgName.String(), "../../../../etc/passwd")}, {name: cfgName.String(), body: string(rawCfg)}},
			"load: file ../../../../etc/passwd not found in tar"},
		{"config path escapes", []entry{{name: "manifest.json", body: manifest("../../../etc/passwd", "l.tar.gz")}, {name: "l.tar.gz", body: string(evilGz)}},
			"load: file ../../../etc/passwd not found in tar"},
		{"manifest.json is a symlink out", []entry{{name: "manifest.json", link: "/etc/passwd"}},
			"load: manifest.json: file etc/passwd not found in tar"},
		{"layer is a symlink out", []entry{{name: "manifest.json", body: manifest(cfgName.String(), "l.tar.gz")}, {name: cfgName.String(), body: string(rawCfg)}, {name: "l.tar.gz", link: "/etc/shadow"}},
			"load: file etc/shadow not found in tar"},
		{"no image in the manifest", []entry{{name: "manifest.json", body: "[]"}},
			"load: the archive holds no image: its manifest.json lists none"},
		{"null manifest", []entry{{name: "manifest.json", body: "null"}},
			"load: the archive holds no image: its manifest.json lists none"},
		{"another image's diff id over other content", []entry{{name: "manifest.json", body: manifest(cfgName.String(), "l.tar.gz")}, {name: cfgName.String(), body: string(rawCfg)}, {name: "l.tar.gz", body: string(evilGz)}},
			"(the image config does not match its layer)"},
		{"OCI layout missing its manifest blob", []entry{{name: "oci-layout", body: `{"imageLayoutVersion":"1.0.0"}`}, {name: "index.json", body: `{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:` + strings.Repeat("0", 64) + `","size":10}]}`}},
			"load: the archive is incomplete: blobs/sha256/" + strings.Repeat("0", 64) + " is missing from it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t)
			// busybox is already there: its layer is unpacked, so only a
			// check of the new blob stops the lie.
			if _, err := s.Write(ctx, bb, "busybox:latest"); err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			tw := tar.NewWriter(&buf)
			for _, e := range tc.entries {
				h := &tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.body))}
				if e.link != "" {
					h = &tar.Header{Name: e.name, Typeflag: tar.TypeSymlink, Linkname: e.link, Mode: 0o777}
				}
				tw.WriteHeader(h)
				tw.Write([]byte(e.body))
			}
			tw.Close()
			archive := buf.Bytes()
			// Twice: a refused load must leave nothing a second one trusts.
			for try := 1; try <= 2; try++ {
				loaded, err := s.Load(ctx, bytes.NewReader(archive))
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("Load() try %d = %v, %v, want an error containing %q", try, loaded, err, tc.want)
				}
			}
			if _, err := s.Get(ctx, "evil:1"); err == nil {
				t.Errorf("evil:1 is in the store after a refused load")
			}
			imgs, err := s.List(ctx)
			if err != nil || len(imgs) != 1 {
				t.Errorf("List() = %d images, %v; want only busybox", len(imgs), err)
			}
			if left, _ := os.ReadDir(filepath.Join(s.Dir(), "tmp")); len(left) != 0 {
				t.Errorf("tmp after a refused load holds %d entries, want none", len(left))
			}
		})
	}
}

// TestGCDuringLoad: a docker rmi (which collects garbage) while a docker
// load is still reading its archive must not delete the archive's copy
// (found by QA: Load copied into tmp before taking the ingest lock).
func TestGCDuringLoad(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	src := openStore(t)
	if _, err := src.Write(ctx, imagetest.Busybox(t), "busybox:latest"); err != nil {
		t.Fatal(err)
	}
	var archive bytes.Buffer
	if err := src.Save(ctx, []string{"busybox"}, &archive); err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	pr, pw := io.Pipe()
	type result struct {
		loaded []image.Loaded
		err    error
	}
	done := make(chan result)
	go func() {
		l, err := s.Load(ctx, pr)
		done <- result{l, err}
	}()
	b := archive.Bytes()
	// Once the first half is written, Load has its copy in tmp.
	if _, err := pw.Write(b[:len(b)/2]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GC(ctx); err != nil {
		t.Fatalf("GC: %v", err)
	}
	if _, err := pw.Write(b[len(b)/2:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if r := <-done; r.err != nil || len(r.loaded) != 1 {
		t.Fatalf("Load with a GC in the middle = %v, %v; want busybox loaded", r.loaded, r.err)
	}
}
