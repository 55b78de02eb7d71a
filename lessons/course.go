package lessons

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// Course is a set of lessons, each in one or more languages.
type Course struct {
	// files holds each lesson's files by id, then language.
	files map[string]map[string]*Lesson
	// Problems are what parsing found; Lint adds the rest.
	Problems Problems
}

// NewCourse returns an empty course.
func NewCourse() *Course { return &Course{files: map[string]map[string]*Lesson{}} }

// Source is a place lessons are read from: a folder holding one folder per
// lesson. Name is how its files are named in messages (e.g.
// "content/lessons" for the embedded ones, or the folder's path).
type Source struct {
	FS   fs.FS
	Name string
}

// Load reads every source in order; a lesson id found again in a later
// source replaces the earlier one, so an instructor's folder can override a
// built-in lesson.
func Load(sources ...Source) (*Course, error) {
	c := NewCourse()
	for _, src := range sources {
		if err := c.AddSource(src); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// AddSource reads the lesson folders of one source. A folder that does not
// exist is an error; folders without lesson files are skipped.
func (c *Course) AddSource(src Source) error {
	entries, err := fs.ReadDir(src.FS, ".")
	if err != nil {
		return fmt.Errorf("read lessons in %s: %w", src.Name, err)
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sub, err := fs.Sub(src.FS, e.Name())
		if err != nil {
			return err
		}
		if err := c.AddLesson(sub, path.Join(src.Name, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// AddLesson reads the lesson.<lang>.md files of one lesson folder. name is
// the folder as shown in messages; its last element is the expected id.
func (c *Course) AddLesson(fsys fs.FS, name string) error {
	files, err := fs.Glob(fsys, "lesson.*.md")
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return nil
	}
	folder := path.Base(name)
	langs := map[string]*Lesson{}
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			return fmt.Errorf("read lesson %s: %w", path.Join(name, f), err)
		}
		l, probs := Parse(path.Join(name, f), src)
		c.Problems = append(c.Problems, probs...)
		langs[l.Lang] = l
	}
	// A replaced lesson's problems are no longer the course's.
	if old, ok := c.files[folder]; ok {
		keep := c.Problems[:0]
		for _, p := range c.Problems {
			if !belongs(p.File, old) {
				keep = append(keep, p)
			}
		}
		c.Problems = keep
	}
	c.files[folder] = langs
	return nil
}

func belongs(file string, langs map[string]*Lesson) bool {
	for _, l := range langs {
		if l.File == file {
			return true
		}
	}
	return false
}

// IDs returns the lesson ids in course order (front matter `order`, then id).
func (c *Course) IDs() []string {
	ids := make([]string, 0, len(c.files))
	for id := range c.files {
		ids = append(ids, id)
	}
	order := func(id string) int {
		for _, lang := range Languages {
			if l := c.files[id][lang]; l != nil {
				return l.Order
			}
		}
		for _, l := range c.files[id] {
			return l.Order
		}
		return 0
	}
	sort.Slice(ids, func(i, j int) bool {
		oi, oj := order(ids[i]), order(ids[j])
		if oi != oj {
			return oi < oj
		}
		return ids[i] < ids[j]
	})
	return ids
}

// ErrNoLesson is returned by Lesson for an unknown id.
var ErrNoLesson = errors.New("no such lesson")

// Lesson returns lesson id in lang, falling back to English and then to any
// language it exists in.
func (c *Course) Lesson(id, lang string) (*Lesson, error) {
	langs := c.files[id]
	if len(langs) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrNoLesson, id)
	}
	for _, try := range append([]string{lang}, Languages...) {
		if l := langs[try]; l != nil {
			return l, nil
		}
	}
	for _, l := range langs {
		return l, nil
	}
	return nil, fmt.Errorf("%w: %q", ErrNoLesson, id)
}

// Files returns the lesson's files by language.
func (c *Course) Files(id string) map[string]*Lesson { return c.files[id] }

// Len is the number of lessons.
func (c *Course) Len() int { return len(c.files) }
