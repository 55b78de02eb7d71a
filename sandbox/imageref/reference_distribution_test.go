package imageref_test

import (
	"strings"
	"testing"

	"github.com/distribution/reference"

	"github.com/dockyard-lab/dockyard/sandbox/imageref"
)

// distributionParse is what Docker does with s: distribution/reference's
// ParseNormalizedNamed, as the fields imageref.ParseNormalized gives.
func distributionParse(s string) (fields []string, err error) {
	n, err := reference.ParseNormalizedNamed(s)
	if err != nil {
		return nil, err
	}
	var tag, dg string
	if t, ok := n.(reference.Tagged); ok {
		tag = t.Tag()
	}
	if d, ok := n.(reference.Digested); ok {
		dg = d.Digest().String()
	}
	return []string{n.String(), reference.FamiliarString(n), n.Name(), reference.FamiliarName(n),
		reference.Domain(n), reference.Path(n), tag, dg}, nil
}

func ours(s string) (fields []string, err error) {
	r, err := imageref.ParseNormalized(s)
	if err != nil {
		return nil, err
	}
	return []string{r.String(), r.Familiar(), r.Name(), r.FamiliarName(), r.Domain(), r.Path(), r.Tag(), r.Digest()}, nil
}

// sameAsDistribution fails t unless imageref.ParseNormalized reads s exactly as
// distribution/reference does: the same fields, or the same error message.
func sameAsDistribution(t *testing.T, s string) {
	t.Helper()
	want, wantErr := distributionParse(s)
	got, gotErr := ours(s)
	if (wantErr == nil) != (gotErr == nil) || wantErr != nil && gotErr.Error() != wantErr.Error() {
		t.Errorf("ParseNormalized(%q) error = %v, want %v", s, gotErr, wantErr)
		return
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("ParseNormalized(%q) = %q, want %q", s, got, want)
	}
}

var referenceSeeds = []string{
	"busybox", "busybox:1.36", "library/busybox", "docker.io/library/busybox:latest", "index.docker.io/library/busybox",
	"index.docker.io/busybox", "docker.io/busybox", "student/app:v1", "localhost/app", "localhost", "localhost:5000",
	"localhost:5000/x", "127.0.0.1:5000/a/b:c", "[::1]:5000/x:y", "[::1]/x", "[]/x", "[::1]x/y", "[::1]:/x", "[g]/x",
	"example.com/a/b/c", "Example.com/x", "FOO/bar", "foo/Bar", "Busybox", "busy box", "busybox:a:b", "", ":", "/", "a/",
	"/a", "a//b", "a:", "a@", "@", "a@b", "x@sha256:abc", "a.b", "a..b", "a._b", "a__b", "a___b", "a--b", "a-", "-a",
	"a_b.c-d", "foo_bar.com/x", "foo-.com/x", "-foo.com/x", "foo.com:/x", "foo.com:5x/x", "foo.com:5000:6/x",
	"busybox@sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",
	"busybox:1@sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",
	"busybox@sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd74",
	"busybox@sha512:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",
	"busybox@md5:3f57d9401f8d42f986df300f0c69192f", "busybox@sha256+b64:3f57d9401f8d42f986df300f0c69192f",
	"busybox@Sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",
	"busybox@sha256:3F57D9401F8D42F986DF300F0C69192FC41DA28CCC8D797829467780DB3DD741",
	"busybox@1sha:3f57d9401f8d42f986df300f0c69192f", "busybox@a-:3f57d9401f8d42f986df300f0c69192f",
	"3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",
	"3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741:tag",
	"a:" + strings.Repeat("t", 128), "a:" + strings.Repeat("t", 129), "a:.t", "a:_t", "a:-t", "a:T.t-t_",
	strings.Repeat("a", 246), strings.Repeat("a", 247), "x/" + strings.Repeat("a", 254), "x.io/" + strings.Repeat("a", 256),
	"a/b:c/d", "a:1/b:c", "a:1", "ubuntu:latest@sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",
	"docker.io/0.0/x", "0.0/x", "a/B", "a/b@c@d", "ünïcode", "a\x00b", "a\nb", "a/b/c/d:e",
}

func TestParseNormalizedMatchesDistribution(t *testing.T) {
	for _, s := range referenceSeeds {
		sameAsDistribution(t, s)
	}
}

// FuzzReferenceMatchesDistribution: for any string, imageref.ParseNormalized
// and distribution/reference give the same reference or the same error.
func FuzzReferenceMatchesDistribution(f *testing.F) {
	for _, s := range referenceSeeds {
		f.Add(s)
	}
	f.Fuzz(sameAsDistribution)
}
