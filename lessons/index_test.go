package lessons

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dockyard-lab/dockyard/content"
)

// TestBuiltinIndex holds the built-in lessons' index to what outlining
// their files writes; with -update (go generate ./content) it rewrites it.
func TestBuiltinIndex(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteIndex(&buf, Source{FS: content.Lessons(), Name: "content/lessons"}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join("..", "content", "outlines.txt")
	if *update {
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("%s is out of date with the lessons: run go generate ./content (or this test with -update)", file)
	}
}

// Every outline a course reads from an index is the one ParseOutline finds
// in the file, whatever its text holds.
func TestIndexOutlines(t *testing.T) {
	fsys := fstest.MapFS{
		"intro/lesson.en.md": {Data: []byte("---\nid: intro\ntitle: \"Say \\\"hi\\\"\\tthere\"\nsummary: A \\ and a '\norder: 3\nminutes: 20\n" +
			"requires:\n  lessons: [a, b]\n  images: []\n  ports: [80, 5433]\n---\n\nIntro.\n\n## First  {#first}\n\nText.\n\n```sh\n## not a step\n```\n\n## \"Second\" step {#second}\n")},
		"intro/lesson.ko.md": {Data: []byte("---\nid: intro\ntitle: 소개\norder: 3\n---\n\n## 첫 단계 {#first}\n\n## 둘째 {#second}\n")},
		"bare/lesson.en.md":  {Data: []byte("no front matter\n\n## Step without id\n")},
		"html/lesson.en.md":  {Data: []byte("---\nid: html\ntitle: HTML\n---\n\n<div>\n\n## inside\n\n</div>\n\n## Setext\n---\n\n## Real {#real}\n")},
	}
	var buf bytes.Buffer
	if err := WriteIndex(&buf, Source{FS: fsys, Name: "x"}); err != nil {
		t.Fatal(err)
	}
	o := &readLog{fsys: fsys}
	c, err := Load(Source{FS: o, Name: "x", Index: buf.String()})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Load(Source{FS: fsys, Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"intro", "bare", "html"} {
		for _, lang := range []string{"en", "ko"} {
			if id != "intro" && lang == "ko" {
				continue
			}
			got, err := c.Outline(id, lang)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := plain.Outline(id, lang)
			if !reflect.DeepEqual(withoutFields(got), withoutFields(want)) {
				t.Errorf("Outline(%s, %s) from the index = %+v, want %+v (ParseOutline's)", id, lang, got, want)
			}
		}
	}
	if len(o.read) != 0 {
		t.Errorf("listing the course read %v, want only the index read", o.read)
	}
	if got := strings.Join(c.IDsIn("ko"), " "); got != "bare html intro" {
		t.Errorf("IDsIn(ko) = %s, want bare html intro", got)
	}
}

// readLog is an fs.FS that records the lesson files read.
type readLog struct {
	fsys fstest.MapFS
	read []string
}

func (r *readLog) Open(name string) (fs.File, error) {
	f, err := r.fsys.Open(name)
	if err != nil || !strings.HasSuffix(name, ".md") {
		return f, err
	}
	return &loggedFile{File: f, log: func() { r.read = append(r.read, name) }}, nil
}

type loggedFile struct {
	fs.File
	log func()
}

func (f *loggedFile) Read(b []byte) (int, error) { f.log(); return f.File.Read(b) }

// withoutFields is a copy of l without what only lint reads of a parse.
func withoutFields(l *Lesson) Lesson {
	out := *l
	out.fields, out.badFields = nil, nil
	return out
}

// A file edited after its index was written (its size differs) or not in
// the index is outlined from its text; a file of the index that is not in
// the folder adds no lesson.
func TestIndexStale(t *testing.T) {
	fsys := testCourseFS()
	var buf bytes.Buffer
	if err := WriteIndex(&buf, Source{FS: fsys, Name: "x"}); err != nil {
		t.Fatal(err)
	}
	fsys["a/lesson.en.md"] = lessonFile("a", "Ay again", 2)
	fsys["c/lesson.en.md"] = lessonFile("c", "See", 3)
	delete(fsys, "b/lesson.ko.md")
	c, err := Load(Source{FS: fsys, Name: "x", Index: buf.String()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ id, lang, title string }{{"a", "en", "Ay again"}, {"a", "ko", "에이"}, {"b", "ko", "Bee"}, {"c", "en", "See"}} {
		if l, err := c.Outline(tc.id, tc.lang); err != nil || l.Title != tc.title {
			t.Errorf("Outline(%s, %s) = %+v, %v, want title %q", tc.id, tc.lang, l, err, tc.title)
		}
	}
}

// An index that cannot be read is an error naming it and the line: when
// the course is loaded for the file lines, when a file's outline is asked
// for for its own lines.
func TestIndexBroken(t *testing.T) {
	file := fmt.Sprintf("file \"a/lesson.en.md\" %d\n", len(testCourseFS()["a/lesson.en.md"].Data))
	for _, tc := range []struct{ index, want string }{
		{"# comment\nid \"a\"\n", `lesson index of x: line 2: "id \"a\"" before the first file`},
		{"file \"a/lesson.en.md\" big\n", `lesson index of x: line 1: strconv.Atoi: parsing "big": invalid syntax`},
		{"file \"a/lesson.en.md\"\"x\" 3\n", `lesson index of x: line 1: no space after "a/lesson.en.md"`},
		{file + "id \"a\"\ntitle \"unclosed\n", `lesson index of x, line 3: invalid syntax`},
		{file + "step 1 \"a\"\n", `lesson index of x, line 2: 2 values, want 3`},
		{file + "order one\n", `lesson index of x, line 2: strconv.Atoi: parsing "one": invalid syntax`},
		{file + "colour \"red\"\n", `lesson index of x, line 2: unknown field "colour"`},
	} {
		c, err := Load(Source{FS: testCourseFS(), Name: "x", Index: tc.index})
		if err == nil {
			_, err = c.Outline("a", "en")
		}
		if err == nil || err.Error() != tc.want {
			t.Errorf("Load and Outline(a, en) with index %q: %v, want %s", tc.index, err, tc.want)
		}
	}
}
