package vm

import (
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cavaliergopher/cpio"
	"github.com/google/renameio/v2"
)

// DefaultBusybox is where Debian's busybox-static package puts its binary.
const DefaultBusybox = "/bin/busybox"

//go:embed init.sh
var initScript string

// InitScript returns the guest's default /init: it mounts proc, sys and dev,
// reports the guest kernel and memory, runs the command and powers off.
func InitScript() string { return initScript }

// WriteInitramfs writes a gzip-compressed newc cpio archive (the format the
// kernel unpacks into its initial root, see the kernel's
// Documentation/driver-api/early-userspace/buffer-format.rst) holding a
// statically linked busybox at /bin/busybox and init as /init.
func WriteInitramfs(w io.Writer, busybox, init string) error {
	bb, err := os.ReadFile(busybox)
	if err != nil {
		return fmt.Errorf("read busybox (install busybox-static): %w", err)
	}
	zw := gzip.NewWriter(w)
	cw := cpio.NewWriter(zw)
	for _, d := range []string{"bin", "dev", "proc", "sys", "tmp", "root"} {
		if err := cw.WriteHeader(&cpio.Header{Name: d, Mode: cpio.TypeDir | 0o755, Links: 2}); err != nil {
			return fmt.Errorf("write initramfs: %w", err)
		}
	}
	files := []struct {
		name string
		data []byte
	}{
		{"bin/busybox", bb},
		{"init", []byte(init)},
	}
	for _, f := range files {
		hdr := &cpio.Header{Name: f.name, Mode: cpio.TypeReg | 0o755, Size: int64(len(f.data))}
		if err := cw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("write initramfs %s: %w", f.name, err)
		}
		if _, err := cw.Write(f.data); err != nil {
			return fmt.Errorf("write initramfs %s: %w", f.name, err)
		}
	}
	if err := cw.Close(); err != nil {
		return fmt.Errorf("write initramfs: %w", err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("write initramfs: %w", err)
	}
	return nil
}

// Initramfs returns the path of an initramfs for busybox and init under dir,
// building it the first time. Its name carries a hash of both inputs, so a
// new busybox or init gets a new file and concurrent builders write the same
// bytes (the rename is atomic).
func Initramfs(dir, busybox, init string) (string, error) {
	st, err := os.Stat(busybox)
	if err != nil {
		return "", fmt.Errorf("busybox for the VM's initramfs: %w (install busybox-static)", err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s", busybox, st.Size(), st.ModTime().UnixNano(), init)
	path := filepath.Join(dir, "initramfs-"+hex.EncodeToString(h.Sum(nil))[:16]+".cpio.gz")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	pf, err := renameio.NewPendingFile(path, renameio.WithPermissions(0o644))
	if err != nil {
		return "", fmt.Errorf("create initramfs: %w", err)
	}
	defer pf.Cleanup()
	if err := WriteInitramfs(pf, busybox, init); err != nil {
		return "", err
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return "", fmt.Errorf("save initramfs: %w", err)
	}
	return path, nil
}
