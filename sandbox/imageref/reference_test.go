package imageref_test

import (
	"errors"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/imageref"
)

func TestParseReference(t *testing.T) {
	const dg = "sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741"
	tests := []struct {
		in, full, familiar, domain, path, tag, digest string
	}{
		{"busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest", ""},
		{"busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36", "docker.io", "library/busybox", "1.36", ""},
		{"library/busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest", ""},
		{"docker.io/library/busybox:latest", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest", ""},
		{"index.docker.io/library/busybox", "docker.io/library/busybox:latest", "busybox:latest", "docker.io", "library/busybox", "latest", ""},
		{"student/app:v1", "docker.io/student/app:v1", "student/app:v1", "docker.io", "student/app", "v1", ""},
		{"localhost:5000/x", "localhost:5000/x:latest", "localhost:5000/x:latest", "localhost:5000", "x", "latest", ""},
		{"127.0.0.1:5000/a/b:c", "127.0.0.1:5000/a/b:c", "127.0.0.1:5000/a/b:c", "127.0.0.1:5000", "a/b", "c", ""},
		{"busybox@" + dg, "docker.io/library/busybox@" + dg, "busybox@" + dg, "docker.io", "library/busybox", "", dg},
	}
	for _, tt := range tests {
		r, err := imageref.Parse(tt.in)
		if err != nil {
			t.Errorf("ParseReference(%q): %v", tt.in, err)
			continue
		}
		got := []string{r.String(), r.Familiar(), r.Domain(), r.Path(), r.Tag(), r.Digest()}
		want := []string{tt.full, tt.familiar, tt.domain, tt.path, tt.tag, tt.digest}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("ParseReference(%q) = %q, want %q", tt.in, got, want)
				break
			}
		}
	}
}

func TestParseReferenceErrors(t *testing.T) {
	for in, want := range map[string]string{
		"Busybox":     "invalid reference format: repository name (library/Busybox) must be lowercase",
		"":            "invalid reference format: empty image name",
		"busy box":    "invalid reference format",
		"busybox:a:b": "invalid reference format",
	} {
		_, err := imageref.Parse(in)
		var ire *imageref.InvalidReferenceError
		if !errors.As(err, &ire) || err.Error() != want {
			t.Errorf("ParseReference(%q) error = %v, want %q", in, err, want)
		}
	}
}
