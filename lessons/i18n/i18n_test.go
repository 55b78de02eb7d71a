package i18n

import (
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
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

// TestFlatCatalogs: the shipped catalogs take parseFlat's fast path and
// read as YAML reads them.
func TestFlatCatalogs(t *testing.T) {
	for _, lang := range Supported {
		data, _ := source(lang)
		got, ok := parseFlat(data)
		if !ok {
			t.Errorf("parseFlat(%s.yaml) falls back to YAML: keep the catalog one `key: \"message\"` a line", lang)
			continue
		}
		want := map[string]string{}
		if err := yaml.Unmarshal([]byte(data), &want); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("parseFlat(%s.yaml) = %d messages differing from YAML's %d", lang, len(got), len(want))
		}
	}
}

// TestParseFlat: what parseFlat reads it reads as YAML does; the rest it
// leaves to YAML.
func TestParseFlat(t *testing.T) {
	for _, src := range []string{
		"# c\n\na.b: \"x\"\nc.d: \"say \\\"hi\\\" \\\\ %s\"\n",
		"a.b: \"\"\n",
		"a." + strings.Repeat("k", 1022) + ": \"x\"\n", // YAML's longest simple key
		"a." + strings.Repeat("k", 1023) + ": \"x\"\n", // one longer: YAML refuses it
		"a.b: \"x\"", // no final newline
		"a.b: \"x\" # comment\n",
		"a.b: 'x'\n",
		"a.b: x\n",
		"a.b: \"x\\ty\"\n",
		"a.b: \"x\ny\"\n",
		"a.b: \"x\"\na.b: \"y\"\n",
		"true: \"x\"\n",
		"1.5: \"x\"\n",
		"  a.b: \"x\"\n",
		"a.b: \"x\"\r\n",
		"a.b: \"x\\\"\n",
		"a.b: \"x\"y\"\n",
		"a: {b.c: \"x\"}\n",
	} {
		got, ok := parseFlat(src)
		if !ok {
			continue
		}
		want := map[string]string{}
		if err := yaml.Unmarshal([]byte(src), &want); err != nil {
			t.Errorf("parseFlat(%q) = %v, but YAML fails: %v", src, got, err)
			continue
		}
		if !maps.Equal(got, want) {
			t.Errorf("parseFlat(%q) = %v, want %v (YAML's)", src, got, want)
		}
	}
}

func FuzzParseFlat(f *testing.F) {
	f.Add("a.b: \"x\"\nc.d: \"say \\\"hi\\\"\"\n")
	f.Fuzz(func(t *testing.T, src string) {
		got, ok := parseFlat(src)
		if !ok {
			return
		}
		want := map[string]string{}
		if err := yaml.Unmarshal([]byte(src), &want); err != nil {
			t.Fatalf("parseFlat(%q) = %v, but YAML fails: %v", src, got, err)
		}
		if !maps.Equal(got, want) {
			t.Fatalf("parseFlat(%q) = %v, want %v (YAML's)", src, got, want)
		}
	})
}

// BenchmarkCatalog is what each command that prints a message pays to read
// its catalog: parseFlat, and YAML for comparison.
func BenchmarkCatalog(b *testing.B) {
	data, _ := source("ko")
	b.Run("flat", func(b *testing.B) {
		for b.Loop() {
			parseFlat(data)
		}
	})
	b.Run("yaml", func(b *testing.B) {
		for b.Loop() {
			m := map[string]string{}
			_ = yaml.Unmarshal([]byte(data), &m)
		}
	})
}

// formal finds the 합니다체 endings (…습니다, …합니다, …입니까, …하십시오).
var formal = regexp.MustCompile(`[가-힣](니다|니까|십시오)`)

// TestKoreanSpeaksHaeyo finds every Korean message in 해요체, the style of
// the lessons and of the checker's findings shown beside these lines.
func TestKoreanSpeaksHaeyo(t *testing.T) {
	for key, msg := range catalog("ko") {
		if m := formal.FindString(msg); m != "" {
			t.Errorf("%s: %q is 합니다체, want 해요체: %s", key, m, msg)
		}
	}
}

// TestHelpCatalog: the help catalogs read, hold no empty text, speak
// 해요체 as the other messages do, and English has none (its help is the
// commands' own).
func TestHelpCatalog(t *testing.T) {
	if n := len(Help("en")); n != 0 {
		t.Errorf("Help(en) has %d texts, want none", n)
	}
	ko := Help("ko")
	if len(ko) < 50 {
		t.Fatalf("Help(ko) has %d texts, want the commands'", len(ko))
	}
	for key, text := range ko {
		if strings.TrimSpace(text) == "" {
			t.Errorf("help.ko.yaml: %s is empty", key)
		}
		if m := formal.FindString(text); m != "" {
			t.Errorf("help.ko.yaml: %s: %q is 합니다체, want 해요체: %s", key, m, text)
		}
	}
}
