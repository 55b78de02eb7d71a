package image_test

import (
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// FuzzParseReference: a reference that parses prints in its full and its
// familiar form, and both parse back to the same reference.
func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"busybox", "postgres:15", "localhost:5000/app:v1", "docker.io/library/nginx:1.22",
		"ghcr.io/a/b/c@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"Busybox", "a:b:c", "", ":", "127.0.0.1:5000/x", "x@sha256:abc", "[::1]:5000/x:y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := image.ParseReference(s)
		if err != nil {
			if err.Error() == "" {
				t.Errorf("ParseReference(%q) failed with an empty message", s)
			}
			return
		}
		for _, form := range []string{r.String(), r.Familiar()} {
			back, err := image.ParseReference(form)
			if err != nil {
				t.Fatalf("ParseReference(%q) = %v; %q came from ParseReference(%q)", form, err, form, s)
			}
			if back.String() != r.String() {
				t.Errorf("ParseReference(%q).String() = %q, want %q (from %q)", form, back.String(), r.String(), s)
			}
		}
		if r.Tag() == "" && r.Digest() == "" {
			t.Errorf("ParseReference(%q) = %q has neither tag nor digest", s, r)
		}
	})
}
