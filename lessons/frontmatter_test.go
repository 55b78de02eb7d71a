package lessons

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// checkScanMeta: what scanMeta reads, parseMeta (YAML) reads the same,
// without a problem.
func checkScanMeta(t *testing.T, fm string) (ok bool) {
	t.Helper()
	var got Meta
	seen, ok := scanMeta([]byte(fm), &got)
	if !ok {
		if !reflect.DeepEqual(got, Meta{}) {
			t.Errorf("scanMeta(%q) fell back but filled %+v", fm, got)
		}
		return false
	}
	var want Meta
	var probs Problems
	wantSeen, bad := parseMeta("x", []byte(fm), &want, &probs)
	if len(probs) > 0 || len(bad) > 0 {
		t.Errorf("scanMeta(%q) = %+v, but YAML finds problems: %v", fm, got, probs)
		return true
	}
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(seen, wantSeen) {
		t.Errorf("scanMeta(%q) = %+v %v, want %+v %v (YAML's)", fm, got, seen, want, wantSeen)
	}
	return true
}

// TestScanMetaBuiltin: every built-in lesson's front matter takes scanMeta's
// way and reads as YAML reads it.
func TestScanMetaBuiltin(t *testing.T) {
	files, _ := filepath.Glob("../content/lessons/*/lesson.*.md")
	if len(files) < 20 {
		t.Fatalf("found %d built-in lesson files", len(files))
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fm, _, _, ok := splitFrontMatter(src)
		if !ok {
			t.Fatalf("%s: no front matter", f)
		}
		if !checkScanMeta(t, string(fm)) {
			t.Errorf("%s: scanMeta leaves the front matter to YAML: keep it `field: value` lines and `requires:` with `  lessons: [...]`", f)
		}
	}
}

// TestScanMeta: what scanMeta reads it reads as YAML does; the rest it
// leaves to YAML.
func TestScanMeta(t *testing.T) {
	for _, c := range []struct {
		fm   string
		fast bool
	}{
		{"id: a\ntitle: A b: c\n", false},
		{"id: a\ntitle: \"A: b\"\norder: 10\nminutes: 5\n", true},
		{"title: 'it''s'\n", false},
		{"title: 'say \"hi\"'\n", true},
		{"title: \"a\\\"b\"\n", false},
		{"title: 10\n", true},
		{"title: 127.0.0.1에서만\n", true},
		{"title: 2001-12-14\n", true},
		{"title: 1e3\n", true},
		{"title: .inf\n", true},
		{"title: null\n", false},
		{"title: ~\n", false},
		{"title: True\n", true},
		{"title: a #b\n", false},
		{"title: a#b\n", true},
		{"title: 컨테이너, 이미지 (개요)\n", true},
		{"title:\n", false},
		{"title: a\n  b\n", false},
		{"order: 010\n", false},
		{"order: -1\n", false},
		{"id: a\nid: b\n", false},
		{"colour: red\n", false},
		{"# comment\nid: a\n", false},
		{"requires:\n", false},
		{"requires:\nid: a\n", false},
		{"requires:\n  lessons: []\n  images: [postgres:15, nginx]\n  ports: [5433, 5434]\n", true},
		{"requires:\n  lessons: [a,b , c]\n", true},
		{"requires:\n  lessons: [a, [b]]\n", false},
		{"requires:\n  lessons: [a,]\n", false},
		{"requires:\n  lessons:\n    - a\n", false},
		{"requires:\n  lessons: [a]\n  lessons: [b]\n", false},
		{"requires:\n  colour: [a]\n", false},
		{"requires:\n   lessons: [a]\n", false},
		{"requires: {lessons: [a]}\n", false},
		{"id:a\n", false},
		{"id : a\n", false},
		{"id: a\r\n", false},
		{"id:\ta\n", false},
		{"", true},
		{"\n\n", true},
	} {
		if got := checkScanMeta(t, c.fm); got != c.fast {
			t.Errorf("scanMeta(%q) took the fast way: %v, want %v", c.fm, got, c.fast)
		}
	}
}

func FuzzScanMeta(f *testing.F) {
	files, _ := filepath.Glob("../content/lessons/*/lesson.*.md")
	for _, p := range files {
		if src, err := os.ReadFile(p); err == nil {
			if fm, _, _, ok := splitFrontMatter(src); ok {
				f.Add(string(fm))
			}
		}
	}
	f.Add("requires:\n  lessons: []\n  images: [postgres:15, a.b/c-d_e]\n  ports: [0, 65535]\n")
	f.Add("title: 'x'\nsummary: \"y\"\n")
	f.Fuzz(func(t *testing.T, fm string) { checkScanMeta(t, fm) })
}
