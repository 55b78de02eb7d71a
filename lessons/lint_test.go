package lessons

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dockyard-lab/dockyard/content"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// fakeValidator stands in for checker.Parse: it knows a few kinds and
// fields, enough to show how lint reports what the validator finds.
func fakeValidator(b CheckBlock) []Problem {
	kinds := map[string]bool{"container": true, "containers": true, "file": true, "quiz": true, "command": true, "exec": true}
	fields := map[string]bool{"running": true, "hint": true, "name": true, "timeout": true, "command": true, "stdout": true, "why": true, "count": true}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(b.Source), &doc); err != nil || len(doc.Content) == 0 {
		return []Problem{{File: b.File, Line: b.Line + 1, Message: "malformed check"}}
	}
	var out []Problem
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		k := root.Content[i]
		switch {
		case i == 0 && !kinds[k.Value]:
			out = append(out, Problem{File: b.File, Line: b.Line + k.Line, Message: fmt.Sprintf("unknown kind %q", k.Value)})
		case i > 0 && !fields[k.Value]:
			out = append(out, Problem{File: b.File, Line: b.Line + k.Line, Message: fmt.Sprintf("unknown field %q", k.Value)})
		case i == 0 && k.Value == "command":
			out = append(out, Problem{File: b.File, Line: b.Line + k.Line, Message: "prefer a declarative kind", Warning: true})
		}
	}
	return out
}

// TestLint lints each course under testdata/lint and compares every
// problem, file:line and message, with <course>.want.
func TestLint(t *testing.T) {
	cases, err := filepath.Glob("testdata/lint/*")
	if err != nil {
		t.Fatal(err)
	}
	// The glossary is the authoring guide's own table.
	authoring, err := os.ReadFile("../docs/authoring.md")
	if err != nil {
		t.Fatal(err)
	}
	glossary, err := ParseGlossary(authoring)
	if err != nil {
		t.Fatalf("ParseGlossary(docs/authoring.md) = %v", err)
	}
	for _, dir := range cases {
		info, err := os.Stat(dir)
		if err != nil || !info.IsDir() {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			c, err := Load(Source{FS: os.DirFS(dir), Name: dir})
			if err != nil {
				t.Fatal(err)
			}
			var got strings.Builder
			for _, p := range Lint(c, LintOptions{ValidateCheck: fakeValidator, Glossary: glossary}) {
				fmt.Fprintln(&got, p)
			}
			golden(t, dir+".want", got.String())
		})
	}
}

func TestLintSampleIsClean(t *testing.T) {
	c, err := Load(Source{FS: os.DirFS("testdata/course"), Name: "testdata/course"})
	if err != nil {
		t.Fatal(err)
	}
	if probs := Lint(c, LintOptions{ValidateCheck: fakeValidator}); probs.Errors() > 0 {
		t.Errorf("Lint(sample) = %v, want no errors", probs)
	}
}

// Every command of the built-in lessons fits an 80-column screen: no line of
// a shell block is wider than CommandWidth (author lint warns of one).
func TestBuiltinCommandsFitTheScreen(t *testing.T) {
	c, err := Load(Source{FS: content.Lessons(), Name: "content/lessons"})
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, id := range c.IDs() {
		for lang, e := range c.files[id] {
			src, err := e.source()
			if err != nil {
				t.Fatalf("%s (%s): %v", id, lang, err)
			}
			files++
			var probs Problems
			lintCommandWidth(e.file, src, &probs)
			for _, p := range probs {
				t.Error(p)
			}
		}
	}
	if files < 2 {
		t.Fatalf("read %d built-in lesson files, want the whole course", files)
	}
}

// golden compares got with the file, or rewrites the file under -update.
func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s--- want\n%s", file, got, want)
	}
}

func TestParseGlossary(t *testing.T) {
	md := []byte("# Guide\n\n## Korean glossary\n\nText.\n\n| English | 한국어 | avoid |\n| --- | --- | --- |\n" +
		"| repository | 리포지토리 | 저장소 |\n| layer | 레이어 | 계층, 층 |\n| image | 이미지 | - |\n\n## Next\n\n| a | b | c |\n")
	got, err := ParseGlossary(md)
	if err != nil {
		t.Fatal(err)
	}
	want := []Term{{"repository", "리포지토리", []string{"저장소"}}, {"layer", "레이어", []string{"계층", "층"}}, {"image", "이미지", nil}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ParseGlossary = %v, want %v", got, want)
	}
	if _, err := ParseGlossary([]byte("# Guide\n")); err == nil {
		t.Errorf("ParseGlossary(no table) = nil error, want one")
	}
	if _, err := ParseGlossary([]byte("## Korean glossary\n| a | b | c |\n| - | - | - |\n| x | y |\n")); err == nil {
		t.Errorf("ParseGlossary(two cells) = nil error, want one")
	}
}
