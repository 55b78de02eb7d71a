package container

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// lookup resolves the folders on the way inside the root filesystem and
// leaves the last name alone, so docker cp sees a symlink as the link.
func TestLookup(t *testing.T) {
	rootfs := t.TempDir()
	os.MkdirAll(filepath.Join(rootfs, "data/sub"), 0o755)
	os.Symlink("/data/sub", filepath.Join(rootfs, "data/abs"))
	os.Symlink("../../../../..", filepath.Join(rootfs, "data/up"))
	os.Symlink("/etc", filepath.Join(rootfs, "etclink"))
	for p, want := range map[string]string{
		"/":                 rootfs,
		"/data/abs":         filepath.Join(rootfs, "data/abs"),
		"/data/abs/f":       filepath.Join(rootfs, "data/sub/f"),
		"data/abs/":         filepath.Join(rootfs, "data/abs"),
		"/data/up/etc":      filepath.Join(rootfs, "etc"),
		"/data/up":          filepath.Join(rootfs, "data/up"),
		"/etclink/passwd":   filepath.Join(rootfs, "etc/passwd"),
		"/../../etc/shadow": filepath.Join(rootfs, "etc/shadow"),
	} {
		got, err := lookup(rootfs, p)
		if err != nil || got != want {
			t.Errorf("lookup(rootfs, %q) = %q, %v, want %q", p, got, err, want)
		}
	}
}

func TestCheckWritable(t *testing.T) {
	c := &Container{Spec: Spec{Host: HostConfig{Mounts: []Mount{
		{Type: "volume", Source: "/v", Destination: "/data"},
		{Type: "bind", Source: "/r", Destination: "/data/ro", ReadOnly: true},
		{Type: "bind", Source: "/r", Destination: "/ro", ReadOnly: true},
	}}}}
	roRoot := &Container{Spec: Spec{Host: HostConfig{ReadOnly: true, Mounts: c.Spec.Host.Mounts[:1]}}}
	tests := []struct {
		c    *Container
		path string
		want error
	}{
		{c, "/tmp", nil},
		{c, "/data", nil},
		{c, "data/sub", nil},
		{c, "/ro", ErrReadOnlyVolume},
		{c, "/ro/sub", ErrReadOnlyVolume},
		{c, "/rofile", nil},
		{c, "/data/ro/x", ErrReadOnlyVolume},
		{c, "/data/rox", nil},
		{roRoot, "/tmp", ErrReadOnlyRootfs},
		{roRoot, "/data/x", nil},
	}
	for _, tt := range tests {
		if got := checkWritable(tt.c, tt.path); got != tt.want {
			t.Errorf("checkWritable(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

// A running container may swap a folder for a symlink to the host while
// docker cp writes into it; copyIntoRootfs writes relative to handles
// resolved inside the root filesystem, so nothing lands outside it.
func TestCopyIntoRootfsRace(t *testing.T) {
	base := t.TempDir()
	rootfs, outside, src := filepath.Join(base, "rootfs"), filepath.Join(base, "outside"), filepath.Join(base, "src")
	os.MkdirAll(filepath.Join(src, "sub/a/b"), 0o755)
	os.WriteFile(filepath.Join(src, "sub/a/b/f"), []byte("payload\n"), 0o644)
	os.MkdirAll(filepath.Join(rootfs, "data/src/sub"), 0o755)
	os.MkdirAll(outside, 0o755)

	stop := swapWithSymlink(filepath.Join(rootfs, "data/src/sub"), outside, nil)
	// The path-based copy this replaced wrote outside within a few
	// thousand rounds.
	for i := 0; i < 2000; i++ {
		copyIntoRootfs(rootfs, src, filepath.Join(rootfs, "data/src"), nil)
	}
	stop()
	if entries, _ := os.ReadDir(outside); len(entries) > 0 {
		t.Errorf("copyIntoRootfs wrote %d entries outside the root filesystem, want none", len(entries))
	}
}

// The same swap while docker cp reads out of the container: the copy may
// fail, but never holds the host's files.
func TestCopyOutOfRootfsRace(t *testing.T) {
	base := t.TempDir()
	rootfs, outside := filepath.Join(base, "rootfs"), filepath.Join(base, "outside")
	os.MkdirAll(filepath.Join(rootfs, "data/src/sub"), 0o755)
	os.MkdirAll(outside, 0o755)
	os.WriteFile(filepath.Join(outside, "secret"), []byte("host secret\n"), 0o600)

	sub := filepath.Join(rootfs, "data/src/sub")
	stop := swapWithSymlink(sub, outside, func() {
		os.WriteFile(filepath.Join(sub, "secret"), []byte("container\n"), 0o644)
	})
	defer stop()
	dst := filepath.Join(base, "out")
	for i := 0; i < 2000; i++ {
		os.RemoveAll(dst)
		copyOutOfRootfs(rootfs, "/data/src", dst)
		// A symlink copied is the link (as Docker copies it), not a
		// folder read through it.
		if fi, err := os.Lstat(filepath.Join(dst, "sub")); err != nil || !fi.IsDir() {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dst, "sub/secret")); err == nil && string(b) == "host secret\n" {
			t.Fatalf("copyOutOfRootfs read %q through a symlink out of the root filesystem", b)
		}
	}
}

// swapWithSymlink makes dir a folder, then a symlink to target, over and
// over, as a running container can while docker cp works in it; inFolder,
// when not nil, runs each time dir is a folder. stop ends it and waits.
func swapWithSymlink(dir, target string, inFolder func()) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-quit:
				return
			default:
			}
			os.RemoveAll(dir)
			if i%2 == 0 {
				os.Symlink(target, dir)
			} else if os.Mkdir(dir, 0o755) == nil && inFolder != nil {
				inFolder()
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit); <-done }) }
}
