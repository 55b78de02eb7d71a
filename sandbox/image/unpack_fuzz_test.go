package image_test

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// Layer unpacking under fuzzing. Whatever the tar holds, Unpack may write
// only inside its layer directory: a sibling directory "outside" with one
// file must come out untouched, nothing else may appear next to the layer,
// and the absolute paths the hostile corpus aims at must not exist. Inside
// the layer, the only device nodes are overlay whiteouts (0/0 character
// devices) and no overlay attribute but the opaque marker is set.
//
// FuzzUnpackScript mutates a small text language (one entry a line), which
// reaches deep paths and link games far faster than raw bytes;
// FuzzUnpackTar mutates whole tar files, seeded with the hostile corpus.

// FuzzUnpackScript reads one entry per line: a type letter, a name, and
// then "->" and a link target or "=" and a body:
//
//	f a/b=hello    regular file      d a/          directory
//	l s->../x      symlink           h h->a/b      hardlink
//	c dev          character device  x d/=k=v      directory with xattr k=v
func FuzzUnpackScript(f *testing.F) {
	needRoot(f)
	for _, tc := range hostile {
		f.Add(entriesScript(tc.entries))
	}
	f.Add("d a/\nf a/b=x\nl a/c->b\nh a/d->a/b\nf a/.wh.b=\nd e/\nf e/.wh..wh..opq=")
	f.Add("l s->.\nf s/s/s/x=1\nd s/d/\nh k->s/x")
	f.Add("f x=1\nl x->/etc/passwd\nf x=2")
	f.Fuzz(func(t *testing.T, script string) {
		entries := parseScript(script)
		if entries == nil {
			return
		}
		checkUnpackStaysInside(t, tarOf(entries))
	})
}

// FuzzUnpackTar unpacks arbitrary bytes as a layer tar.
func FuzzUnpackTar(f *testing.F) {
	needRoot(f)
	files, _ := filepath.Glob(filepath.Join("testdata", "hostile", "*.tar"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// A sparse file claiming a terabyte: CI's fuzzing once hung on such a
	// mutation while Unpack wrote its zeros.
	f.Add(sparseTar(f, "lastlog", 1<<40, 1<<39, "x"))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkUnpackStaysInside(t, b)
	})
}

// checkUnpackStaysInside unpacks layer next to a directory it must not
// touch and fails on any sign of a write outside.
func checkUnpackStaysInside(t *testing.T, layerTar []byte) {
	t.Helper()
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

	_, err := image.Unpack(bytes.NewReader(layerTar), layer)

	if ents, _ := os.ReadDir(tmp); len(ents) != 2 {
		t.Errorf("Unpack (err %v) added next to the layer: %v", err, names(ents))
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 1 {
		t.Errorf("Unpack (err %v) changed the directory outside the layer: %v", err, names(ents))
	}
	if c, rerr := os.ReadFile(filepath.Join(outside, "target")); rerr != nil || string(c) != "precious" {
		t.Errorf("Unpack (err %v) changed outside/target: %q, %v", err, c, rerr)
	}
	for _, p := range []string{absTarget, symlinkTarget} {
		if _, lerr := os.Lstat(p); lerr == nil {
			os.Remove(p)
			t.Errorf("Unpack (err %v) wrote %s", err, p)
		}
	}
	filepath.Walk(layer, func(p string, fi os.FileInfo, werr error) error {
		if werr != nil {
			return nil
		}
		if fi.Mode()&(os.ModeDevice|os.ModeCharDevice) != 0 {
			st, ok := fi.Sys().(*syscall.Stat_t)
			whiteout := ok && fi.Mode()&os.ModeCharDevice != 0 && st.Rdev == 0
			if !whiteout {
				t.Errorf("Unpack (err %v) made a device node %s", err, p)
			}
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			for _, attr := range overlayAttrs(p) {
				if attr != "trusted.overlay.opaque" {
					t.Errorf("Unpack (err %v) set %s on %s", err, attr, p)
				}
			}
		}
		return nil
	})
}

// overlayAttrs lists the trusted.overlay.* attributes set on p.
func overlayAttrs(p string) []string {
	buf := make([]byte, 4096)
	n, err := unix.Llistxattr(p, buf)
	if err != nil || n <= 0 {
		return nil
	}
	var out []string
	for _, a := range strings.Split(string(buf[:n]), "\x00") {
		if strings.HasPrefix(a, "trusted.overlay.") {
			out = append(out, a)
		}
	}
	return out
}

func names(ents []os.DirEntry) []string {
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// parseScript turns FuzzUnpackScript's text into entries; nil when a line
// does not parse (the fuzzer then tries another input).
func parseScript(script string) []entry {
	var entries []entry
	for _, line := range strings.Split(script, "\n") {
		if len(line) < 3 || line[1] != ' ' {
			return nil
		}
		rest := line[2:]
		switch line[0] {
		case 'f':
			name, body, _ := strings.Cut(rest, "=")
			entries = append(entries, reg(name, body))
		case 'd':
			entries = append(entries, dir(rest))
		case 'l', 'h':
			name, to, ok := strings.Cut(rest, "->")
			if !ok {
				return nil
			}
			if line[0] == 'l' {
				entries = append(entries, symlink(name, to))
			} else {
				entries = append(entries, hardlink(name, to))
			}
		case 'c':
			entries = append(entries, entry{typ: tar.TypeChar, name: rest, major: 1})
		case 'x':
			name, kv, _ := strings.Cut(rest, "=")
			k, v, _ := strings.Cut(kv, "=")
			entries = append(entries, entry{typ: tar.TypeDir, name: name, xattrs: map[string]string{k: v}})
		default:
			return nil
		}
	}
	return entries
}

// entriesScript writes entries in FuzzUnpackScript's language, the
// inverse of parseScript for the entries the corpus uses.
func entriesScript(entries []entry) string {
	var lines []string
	for _, e := range entries {
		switch e.typ {
		case tar.TypeReg:
			lines = append(lines, "f "+e.name+"="+e.body)
		case tar.TypeDir:
			if len(e.xattrs) > 0 {
				for k, v := range e.xattrs {
					lines = append(lines, "x "+e.name+"="+k+"="+v)
				}
			} else {
				lines = append(lines, "d "+e.name)
			}
		case tar.TypeSymlink:
			lines = append(lines, "l "+e.name+"->"+e.link)
		case tar.TypeLink:
			lines = append(lines, "h "+e.name+"->"+e.link)
		default:
			lines = append(lines, "c "+e.name)
		}
	}
	return strings.Join(lines, "\n")
}

// tarOf is buildTar for fuzz targets: names the tar writer refuses (too
// long for its format, NUL bytes) are dropped rather than failing.
func tarOf(entries []entry) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	mtime := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, e := range entries {
		h := &tar.Header{Typeflag: e.typ, Name: e.name, Linkname: e.link, Mode: 0o644, ModTime: mtime, Devmajor: e.major, Format: tar.FormatPAX}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.body))
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
		if tw.WriteHeader(h) != nil {
			continue
		}
		if h.Size > 0 {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	return buf.Bytes()
}
