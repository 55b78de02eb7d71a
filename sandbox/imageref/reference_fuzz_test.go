package imageref_test

import (
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/imageref"
)

// FuzzParseReference: a reference that parses prints in its full and its
// familiar form, and both parse back to the same reference. The one
// exception is Docker's own: a Docker Hub name whose first part looks like a
// host ("docker.io/0.0/x") is shown as "0.0/x", which names the host 0.0;
// docker images shows the same, so Dockyard keeps it.
func FuzzParseReference(f *testing.F) {
	for _, s := range []string{"busybox", "postgres:15", "localhost:5000/app:v1", "docker.io/library/nginx:1.22",
		"ghcr.io/a/b/c@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		"Busybox", "a:b:c", "", ":", "127.0.0.1:5000/x", "x@sha256:abc", "[::1]:5000/x:y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := imageref.Parse(s)
		if err != nil {
			if err.Error() == "" {
				t.Errorf("ParseReference(%q) failed with an empty message", s)
			}
			return
		}
		forms := []string{r.String()}
		if !familiarLooksLikeAHost(r) {
			forms = append(forms, r.Familiar())
		}
		for _, form := range forms {
			back, err := imageref.Parse(form)
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

// familiarLooksLikeAHost reports whether r's familiar form starts with a
// part distribution/reference reads as a registry host.
func familiarLooksLikeAHost(r imageref.Reference) bool {
	if r.Domain() != "docker.io" {
		return false
	}
	first, _, found := strings.Cut(r.FamiliarName(), "/")
	return found && (strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first)
}
