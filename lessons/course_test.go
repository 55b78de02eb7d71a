package lessons

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// openLog is an fs.FS that records the files opened and fails to open
// the ones named in broken.
type openLog struct {
	fsys   fstest.MapFS
	broken map[string]bool
	opened []string
}

func (o *openLog) Open(name string) (fs.File, error) {
	if strings.HasSuffix(name, ".md") {
		o.opened = append(o.opened, name)
	}
	if o.broken[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrPermission}
	}
	return o.fsys.Open(name)
}

func lessonFile(id, title string, order int) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("---\nid: " + id + "\ntitle: " + title + "\norder: " + string(rune('0'+order)) +
		"\n---\n\nIntro.\n\n## First {#first}\n\nText.\n")}
}

func testCourseFS() fstest.MapFS {
	return fstest.MapFS{
		"b/lesson.en.md": lessonFile("b", "Bee", 1),
		"b/lesson.ko.md": lessonFile("b", "벌", 1),
		"a/lesson.en.md": lessonFile("a", "Ay", 2),
		"a/lesson.ko.md": lessonFile("a", "에이", 2),
	}
}

// Listing the course in one language (dockyard progress, the menu) reads
// only that language's files.
func TestListingReadsOneLanguage(t *testing.T) {
	for _, lang := range []string{"en", "ko"} {
		o := &openLog{fsys: testCourseFS()}
		c, err := Load(Source{FS: o, Name: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if len(o.opened) != 0 {
			t.Errorf("Load opened %v, want no file read before a lesson is asked for", o.opened)
		}
		ids := c.IDsIn(lang)
		if strings.Join(ids, " ") != "b a" {
			t.Errorf("IDsIn(%s) = %v, want [b a] (front matter order)", lang, ids)
		}
		for _, id := range ids {
			l, err := c.Outline(id, lang)
			if err != nil || len(l.Steps) != 1 || l.Steps[0].ID != "first" {
				t.Errorf("Outline(%q, %s) = %+v, %v, want one step \"first\"", id, lang, l, err)
			}
		}
		slices.Sort(o.opened)
		if got, want := strings.Join(o.opened, " "), "a/lesson."+lang+".md b/lesson."+lang+".md"; got != want {
			t.Errorf("listing in %s opened %q, want %q", lang, got, want)
		}
		// The files were read into one buffer in turn: the outlines keep
		// nothing of it, and a full parse reads the file again.
		// b, listed first, was overwritten by a.
		want := map[string]string{"en": "Bee", "ko": "벌"}[lang]
		if l, _ := c.Outline("b", lang); l.Title != want || l.Steps[0].Title != "First" {
			t.Errorf("Outline(b, %s) after listing = %q with step %q, want %q with step \"First\"", lang, l.Title, l.Steps[0].Title, want)
		}
		if l, err := c.Lesson("b", lang); err != nil || l.Title != want || !strings.Contains(l.Steps[0].Body, "Text.") {
			t.Errorf("Lesson(b, %s) after listing = %+v, %v, want %q parsed in full", lang, l, err, want)
		}
	}
}

// A file that cannot be read is the error of the lesson that needs it, and
// a problem for lint; the other lessons are unaffected.
func TestUnreadableLesson(t *testing.T) {
	o := &openLog{fsys: testCourseFS(), broken: map[string]bool{"a/lesson.en.md": true}}
	c, err := Load(Source{FS: o, Name: "x"})
	if err != nil {
		t.Fatalf("Load = %v, want the error when the lesson is read", err)
	}
	for _, get := range []func(id, lang string) (*Lesson, error){c.Lesson, c.Outline} {
		if _, err := get("a", "en"); err == nil || !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "read lesson x/a/lesson.en.md") {
			t.Errorf("lesson a = %v, want the read error naming x/a/lesson.en.md", err)
		}
		if l, err := get("b", "en"); err != nil || l.Title != "Bee" {
			t.Errorf("lesson b = %+v, %v, want it read", l, err)
		}
	}
	var found bool
	for _, p := range c.Problems() {
		if p.File == "x/a/lesson.en.md" && strings.Contains(p.Message, "permission denied") {
			found = true
		}
	}
	if !found {
		t.Errorf("Problems() = %v, want the read error of x/a/lesson.en.md", c.Problems())
	}
}
