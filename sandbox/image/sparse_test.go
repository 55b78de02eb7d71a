package image_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/diskfull"
	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// sparseTar is a layer with one GNU sparse file (PAX format 1.0, as GNU
// tar --sparse writes it): realSize bytes when expanded, of which only
// data, at offset dataAt, is stored in the tar. Go's tar writer cannot
// write sparse files, so the headers are written by hand.
func sparseTar(t testing.TB, name string, realSize, dataAt int64, data string) []byte {
	t.Helper()
	sparseMap := fmt.Sprintf("1\n%d\n%d\n", dataAt, len(data))
	body := make([]byte, 512+len(data))
	copy(body, sparseMap)
	copy(body[512:], data)

	pax := paxRecord("GNU.sparse.major", "1") + paxRecord("GNU.sparse.minor", "0") +
		paxRecord("GNU.sparse.name", name) + paxRecord("GNU.sparse.realsize", fmt.Sprint(realSize))
	var buf bytes.Buffer
	buf.Write(ustarHeader(t, "PaxHeaders/"+name, tar.TypeXHeader, len(pax)))
	buf.Write(padded([]byte(pax)))
	buf.Write(ustarHeader(t, "GNUSparseFile.0/"+name, tar.TypeReg, len(body)))
	buf.Write(padded(body))
	buf.Write(make([]byte, 1024)) // end of archive
	return buf.Bytes()
}

func paxRecord(k, v string) string {
	rec := fmt.Sprintf(" %s=%s\n", k, v)
	n := len(rec)
	for size := n + len(fmt.Sprint(n)); ; size++ {
		if len(fmt.Sprint(size))+len(rec) == size {
			return fmt.Sprint(size) + rec
		}
	}
}

// ustarHeader is one 512-byte ustar header block of any type flag.
func ustarHeader(t testing.TB, name string, typ byte, size int) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Size: int64(size), Mode: 0o644, Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	h := buf.Bytes()[:512]
	h[156] = typ
	copy(h[148:156], "        ")
	sum := 0
	for _, c := range h {
		sum += int(c)
	}
	copy(h[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return h
}

func padded(b []byte) []byte {
	return append(b, make([]byte, (512-len(b)%512)%512)...)
}

// A few hundred bytes that expand to a terabyte: refused before a byte is
// written, as a full disk the caller can name, not copied until the disk
// is full (which is what Docker does with such a layer).
func TestSparseBombIsRefused(t *testing.T) {
	layer := t.TempDir()
	bomb := sparseTar(t, "lastlog", 1<<40, 1<<39, "x")

	_, err := image.Unpack(bytes.NewReader(bomb), layer)

	if !errors.Is(err, syscall.ENOSPC) || !strings.Contains(err.Error(), "lastlog") {
		t.Fatalf("Unpack(1 TiB sparse file) = %v, want ENOSPC naming lastlog", err)
	}
	if !diskfull.Is(err) {
		t.Errorf("diskfull.Is(%v) = false, want the usual full-disk message from callers", err)
	}
	if ents, _ := os.ReadDir(layer); len(ents) != 0 {
		t.Errorf("the layer holds %d entries after the refusal, want none written", len(ents))
	}
}

// A sparse file that fits is unpacked with its content in place and its
// holes left as holes.
func TestSparseFileStaysSparse(t *testing.T) {
	layer := t.TempDir()
	const size, at = 64 << 20, 32 << 20
	b := sparseTar(t, "var/log/lastlog", size, at, "hello")

	n, err := image.Unpack(bytes.NewReader(b), layer)
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}

	p := filepath.Join(layer, "var", "log", "lastlog")
	fi, err := os.Stat(p)
	if err != nil || fi.Size() != size || n != size {
		t.Fatalf("lastlog: %v, %v (Unpack counted %d), want %d bytes", fi, err, n, size)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := make([]byte, 5)
	if _, err := f.ReadAt(got, at); err != nil || string(got) != "hello" {
		t.Errorf("at %d: %q, %v, want hello", at, got, err)
	}
	if blocks := fi.Sys().(*syscall.Stat_t).Blocks * 512; blocks > 1<<20 {
		t.Errorf("lastlog takes %d bytes on disk, want its holes kept (at most 1 MiB)", blocks)
	}
}
