package lessons

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Course is a set of lessons, each in one or more languages. Files are read
// when the course is loaded but parsed only when a lesson is first asked
// for, so that a command showing one lesson does not parse them all.
type Course struct {
	// files holds each lesson's files by id, then language.
	files map[string]map[string]*entry
}

// entry is one lesson file, parsed on first use.
type entry struct {
	file    string
	src     []byte
	lesson  *Lesson
	outline *Lesson
	probs   Problems
}

func (e *entry) parse() *Lesson {
	if e.lesson == nil {
		e.lesson, e.probs = Parse(e.file, e.src)
	}
	return e.lesson
}

func (e *entry) outlined() *Lesson {
	if e.lesson != nil {
		return e.lesson
	}
	if e.outline == nil {
		e.outline = ParseOutline(e.file, e.src)
	}
	return e.outline
}

// order reads only the front matter's `order`, for sorting the menu
// without parsing the whole file.
func (e *entry) order() int {
	if e.lesson != nil {
		return e.lesson.Order
	}
	fm, _, _, ok := splitFrontMatter(e.src)
	var m struct {
		Order int `yaml:"order"`
	}
	if ok {
		_ = yaml.Unmarshal(fm, &m) // a broken front matter sorts first; lint reports it
	}
	return m.Order
}

// NewCourse returns an empty course.
func NewCourse() *Course { return &Course{files: map[string]map[string]*entry{}} }

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
	langs := map[string]*entry{}
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			return fmt.Errorf("read lesson %s: %w", path.Join(name, f), err)
		}
		file := path.Join(name, f)
		langs[langOf(file)] = &entry{file: file, src: src}
	}
	c.files[path.Base(name)] = langs
	return nil
}

// Problems parses every file and returns what parsing found; Lint adds the
// rest.
func (c *Course) Problems() Problems {
	var out Problems
	for _, id := range c.IDs() {
		for _, lang := range sortedKeys(c.files[id]) {
			e := c.files[id][lang]
			e.parse()
			out = append(out, e.probs...)
		}
	}
	return out
}

// IDs returns the lesson ids in course order (front matter `order`, then id).
func (c *Course) IDs() []string {
	ids := make([]string, 0, len(c.files))
	orders := map[string]int{}
	for id, langs := range c.files {
		ids = append(ids, id)
		for _, lang := range append(Languages, sortedKeys(langs)...) {
			if e := langs[lang]; e != nil {
				orders[id] = e.order()
				break
			}
		}
	}
	sort.Slice(ids, func(i, j int) bool {
		oi, oj := orders[ids[i]], orders[ids[j]]
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
	for _, try := range append(append([]string{lang}, Languages...), sortedKeys(langs)...) {
		if e := langs[try]; e != nil {
			return e.parse(), nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrNoLesson, id)
}

// Outline is Lesson with only the front matter and the steps' ids and
// titles filled in (see ParseOutline): enough for menus and progress
// tables, at a fraction of the cost.
func (c *Course) Outline(id, lang string) (*Lesson, error) {
	langs := c.files[id]
	for _, try := range append(append([]string{lang}, Languages...), sortedKeys(langs)...) {
		if e := langs[try]; e != nil {
			return e.outlined(), nil
		}
	}
	return nil, fmt.Errorf("%w: %q", ErrNoLesson, id)
}

// Files returns the lesson's files by language, parsed; nil for an unknown
// id.
func (c *Course) Files(id string) map[string]*Lesson {
	langs := c.files[id]
	if langs == nil {
		return nil
	}
	out := make(map[string]*Lesson, len(langs))
	for lang, e := range langs {
		out[lang] = e.parse()
	}
	return out
}

// dir is the folder of lesson id's files, with a trailing slash.
func (c *Course) dir(id string) string {
	for _, e := range c.files[id] {
		return path.Dir(e.file) + "/"
	}
	return ""
}

// Len is the number of lessons.
func (c *Course) Len() int { return len(c.files) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
