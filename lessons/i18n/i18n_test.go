package i18n

import (
	"maps"
	"regexp"
	"strconv"
	"testing"
)

var verb = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0-9.]*([a-zA-Z%])`)

// args maps each argument a format string uses (1-based, as fmt counts
// them, explicit indexes included) to its verb.
func args(format string) map[int]string {
	out := map[int]string{}
	n := 0
	for _, m := range verb.FindAllStringSubmatch(format, -1) {
		if m[2] == "%" {
			continue
		}
		if m[1] != "" {
			n, _ = strconv.Atoi(m[1])
		} else {
			n++
		}
		out[n] = m[2]
	}
	return out
}

// TestCatalogsMatch keeps the catalogs in step: every key in both, with
// the same formatting verbs in the same order.
func TestCatalogsMatch(t *testing.T) {
	en, ko := catalog("en"), catalog("ko")
	if len(en) == 0 {
		t.Fatal("en catalog is empty")
	}
	for key, msg := range en {
		other, ok := ko[key]
		if !ok {
			t.Errorf("ko.yaml lacks %q", key)
			continue
		}
		if a, b := args(msg), args(other); !maps.Equal(a, b) {
			t.Errorf("%q: verbs %v in en.yaml but %v in ko.yaml", key, a, b)
		}
	}
	for key := range ko {
		if _, ok := en[key]; !ok {
			t.Errorf("en.yaml lacks %q", key)
		}
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		flag string
		env  map[string]string
		want string
	}{
		{"ko", map[string]string{"LANG": "en_US.UTF-8"}, "ko"},
		{"EN", nil, "en"},
		{"", map[string]string{"LANG": "ko_KR.UTF-8"}, "ko"},
		{"", map[string]string{"LC_ALL": "en_GB.UTF-8", "LANG": "ko_KR.UTF-8"}, "en"},
		{"", map[string]string{"LC_MESSAGES": "ko_KR", "LANG": "C"}, "ko"},
		{"", map[string]string{"LANG": "C.UTF-8"}, "en"},
		{"", map[string]string{"LANG": "fr_FR.UTF-8"}, "en"},
		{"", nil, "en"},
		{"", map[string]string{"DOCKYARD_LANG": "ko", "LANG": "en_US.UTF-8"}, "ko"},
	} {
		got, err := Detect(tc.flag, func(k string) string { return tc.env[k] })
		if err != nil || got != tc.want {
			t.Errorf("Detect(%q, %v) = %q, %v; want %q", tc.flag, tc.env, got, err, tc.want)
		}
	}
	if _, err := Detect("fr", nil); err == nil || err.Error() != `unknown language "fr" for --lang: use en or ko` {
		t.Errorf("Detect(fr) error = %v", err)
	}
}

func TestT(t *testing.T) {
	if got := For("xx").Lang(); got != "en" {
		t.Errorf("For(xx).Lang() = %q, want en", got)
	}
	if got := For("ko").T("no.such.key"); got != "no.such.key" {
		t.Errorf("T(missing) = %q, want the key", got)
	}
}
