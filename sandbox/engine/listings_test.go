package engine

import "testing"

func TestFamiliarMatch(t *testing.T) {
	for _, tc := range []struct {
		pattern, ref string
		want         bool
	}{
		{"busybox", "busybox:latest", true},
		{"busybox", "busybox:v1", true},
		{"busybox:v1", "busybox:v1", true},
		{"busybox:v1", "busybox:latest", false},
		{"busy", "busybox:latest", false},
		{"other/*", "other/box:v2", true},
		{"other/*", "busybox:latest", false},
		{"*", "other/box:v2", false}, // path.Match's * stops at a slash
		{"localhost:5000/app", "localhost:5000/app:1", true},
		{"localhost:5000/*", "localhost:5000/app:1", true},
		{"busybox", "busybox@sha256:0123", true},
		{"bu*:l*", "busybox:latest", true},
	} {
		if got := familiarMatch(tc.pattern, tc.ref); got != tc.want {
			t.Errorf("familiarMatch(%q, %q) = %v, want %v", tc.pattern, tc.ref, got, tc.want)
		}
	}
}
