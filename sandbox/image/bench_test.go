package image_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

// benchImage is 5 layers of 20 MiB of random (incompressible) bytes:
// about 100 MiB to download and to unpack.
const (
	benchLayers    = 5
	benchLayerSize = 20 << 20
)

// BenchmarkPull measures a pull from a loopback registry into an empty
// store, downloading, verifying and unpacking every layer; MB/s counts the
// compressed bytes. The skopeo sub-benchmark copies the same image from the
// same registry to a directory (download and verify, no unpack) for
// comparison: make bench, or
//
//	go test -run '^$' -bench Pull -benchtime 5x ./sandbox/image/
func BenchmarkPull(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: unpacking keeps ownership")
	}
	host := imagetest.Registry(b)
	img := imagetest.Random(b, benchLayers, benchLayerSize)
	imagetest.Push(b, host+"/bench:1", img)
	size := compressedSize(b, img)

	b.Run("dockyard", func(b *testing.B) {
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			s, err := image.Open(b.TempDir())
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			if _, err := s.Pull(context.Background(), host+"/bench:1", image.PullOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("skopeo-copy-to-dir", func(b *testing.B) {
		skopeo, err := exec.LookPath("skopeo")
		if err != nil {
			b.Skip("skopeo is not installed (apt-get install skopeo)")
		}
		b.SetBytes(size)
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			dir := filepath.Join(b.TempDir(), "out")
			b.StartTimer()
			cmd := exec.Command(skopeo, "copy", "--quiet", "--src-tls-verify=false", "docker://"+host+"/bench:1", "dir:"+dir)
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("skopeo copy: %v\n%s", err, out)
			}
		}
	})
}

func compressedSize(b *testing.B, img v1.Image) int64 {
	layers, err := img.Layers()
	if err != nil {
		b.Fatal(err)
	}
	var n int64
	for _, l := range layers {
		s, err := l.Size()
		if err != nil {
			b.Fatal(err)
		}
		n += s
	}
	return n
}
