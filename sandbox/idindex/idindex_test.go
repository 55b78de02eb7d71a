package idindex

import (
	"errors"
	"testing"
)

func TestFind(t *testing.T) {
	ids := []string{
		"sha256:3f57d9401f8d42f986df300f0c69192fc41da28ccc8d797829467780db3dd741",
		"sha256:3f5811111111111111111111111111111111111111111111111111111111111a",
		"sha256:abc0000000000000000000000000000000000000000000000000000000000000",
		"abc",
	}
	tests := []struct {
		prefix  string
		want    string
		wantErr error
		ambig   bool
	}{
		{prefix: "3f57", want: ids[0]},
		{prefix: "sha256:3f57d9", want: ids[0]},
		{prefix: ids[0], want: ids[0]},
		{prefix: "3f58", want: ids[1]},
		{prefix: "3f5", ambig: true},
		{prefix: "abc", want: "abc"}, // exact match wins
		{prefix: "abc0", want: ids[2]},
		{prefix: "ffff", wantErr: ErrNotFound},
		// A name with a tag is not an id: "1" after the colon must not be
		// read as the prefix of one.
		{prefix: "myapp:3f57", wantErr: ErrNotFound},
		{prefix: "", wantErr: ErrNotFound},
	}
	for _, tt := range tests {
		got, err := Find(ids, tt.prefix)
		if tt.ambig {
			var a *AmbiguousError
			if !errors.As(err, &a) || len(a.Candidates) != 2 {
				t.Errorf("Find(%q) = %q, %v, want an ambiguous error with 2 candidates", tt.prefix, got, err)
			}
			continue
		}
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Find(%q) error = %v, want %v", tt.prefix, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Find(%q) = %q, %v, want %q", tt.prefix, got, err, tt.want)
		}
	}
}

func TestAmbiguousErrorListsCandidates(t *testing.T) {
	_, err := Find([]string{"sha256:aaa111", "sha256:aaa222"}, "aaa")
	want := `id prefix "aaa" is ambiguous: it matches aaa111, aaa222 (type more characters)`
	if err == nil || err.Error() != want {
		t.Errorf("Find error = %v, want %s", err, want)
	}
}

func TestIsHexPrefix(t *testing.T) {
	for s, want := range map[string]bool{
		"3f57": true, "sha256:3f": true, "busybox": false, "": false, "sha256:": false, "ABC": false,
	} {
		if got := IsHexPrefix(s); got != want {
			t.Errorf("IsHexPrefix(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestShort(t *testing.T) {
	if got := Short("sha256:3f57d9401f8d42f986df"); got != "3f57d9401f8d" {
		t.Errorf("Short = %q, want 3f57d9401f8d", got)
	}
}
