package lessons

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
)

// Course is a set of lessons, each in one or more languages. Loading finds
// the files; each is read and parsed only when its lesson is first asked
// for, so that a command showing one lesson (or listing the course in one
// language) does not read and parse them all.
type Course struct {
	// files holds each lesson's files by id, then language.
	files map[string]map[string]*entry
	// scratch holds a file read only to be outlined: listing the course
	// fills this one buffer again and again instead of a new copy of each
	// file, and in a command's start each page of new memory is a page
	// fault, a large part of what the start costs.
	scratch []byte
}

// entry is one lesson file, read and parsed on first use.
type entry struct {
	fsys    fs.FS  // the lesson's folder
	name    string // the file's name in fsys
	file    string // the file's name in messages
	src     []byte
	err     error // reading it
	read    bool
	scratch *[]byte // the course's
	lesson  *Lesson
	outline *Lesson
	probs   Problems
	// indexed is the file's record in the index of its source (named
	// index in messages); nil when the file is outlined from its text.
	indexed *record
	index   string
}

// source reads the file the first time it is needed.
func (e *entry) source() ([]byte, error) {
	if !e.read {
		e.read = true
		e.src, e.err = fs.ReadFile(e.fsys, e.name)
		if e.err != nil {
			e.err = fmt.Errorf("read lesson %s: %w", e.file, e.err)
		}
	}
	return e.src, e.err
}

// parse parses the whole file; one that cannot be read parses as empty,
// with the read error as its first problem.
func (e *entry) parse() *Lesson {
	if e.lesson == nil {
		src, err := e.source()
		e.lesson, e.probs = Parse(e.file, src)
		if err != nil {
			e.probs = append(Problems{{File: e.file, Line: 1, Message: err.Error()}}, e.probs...)
		}
	}
	return e.lesson
}

// outlined returns the outline, or the lesson when it is parsed already. A
// file not read yet is read into the course's scratch buffer, since the
// outline keeps nothing of it.
func (e *entry) outlined() (*Lesson, error) {
	if e.lesson != nil {
		return e.lesson, nil
	}
	if e.outline == nil && e.indexed != nil {
		l, err := e.fromIndex()
		if err != nil {
			return nil, err
		}
		e.outline = l
	}
	if e.outline == nil {
		src, err := e.src, e.err
		if !e.read {
			src, err = readInto(e.fsys, e.name, *e.scratch)
			if err != nil {
				e.read, e.err = true, fmt.Errorf("read lesson %s: %w", e.file, err)
				return nil, e.err
			}
			*e.scratch = src
		}
		if err != nil {
			return nil, err
		}
		e.outline = ParseOutline(e.file, src)
	}
	return e.outline, nil
}

// readInto reads a file into buf, reallocated only when it is too small.
func readInto(fsys fs.FS, name string, buf []byte) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf = buf[:0]
	if info, err := f.Stat(); err == nil {
		buf = slices.Grow(buf, int(info.Size())+1) // +1: Read's io.EOF
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 4096)
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// order is the front matter's `order`, for sorting the menu. It comes from
// the outline, which listing the course parses next anyway; a file that
// cannot be read or has a broken front matter sorts first (lint reports
// it).
func (e *entry) order() int {
	if e.lesson != nil {
		return e.lesson.Order
	}
	l, err := e.outlined()
	if err != nil {
		return 0
	}
	return l.Order
}

// NewCourse returns an empty course.
func NewCourse() *Course { return &Course{files: map[string]map[string]*entry{}} }

// Source is a place lessons are read from: a folder holding one folder per
// lesson. Name is how its files are named in messages (e.g.
// "content/lessons" for the embedded ones, or the folder's path).
type Source struct {
	FS   fs.FS
	Name string
	// Index, when set, is the outlines of its lessons (see WriteIndex),
	// read instead of outlining each file to list the course.
	Index string
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
	var idx map[string]record
	if src.Index != "" {
		if idx, err = splitIndex(src.Index); err != nil {
			return fmt.Errorf("lesson index of %s: %w", src.Name, err)
		}
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		sub, err := fs.Sub(src.FS, e.Name())
		if err != nil {
			return err
		}
		langs, err := c.addLesson(sub, path.Join(src.Name, e.Name()))
		if err != nil {
			return err
		}
		if idx != nil {
			for _, f := range langs {
				f.useIndex(idx, e.Name()+"/"+f.name, src.Name)
			}
		}
	}
	return nil
}

// addLesson finds the lesson.<lang>.md files of one lesson folder and
// returns them by language. name is the folder as shown in messages; its
// last element is the expected id.
func (c *Course) addLesson(fsys fs.FS, name string) (map[string]*entry, error) {
	files, err := fs.Glob(fsys, "lesson.*.md")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, nil
	}
	langs := map[string]*entry{}
	for _, f := range files {
		file := path.Join(name, f)
		langs[langOf(file)] = &entry{fsys: fsys, name: f, file: file, scratch: &c.scratch}
	}
	c.files[path.Base(name)] = langs
	return langs, nil
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
func (c *Course) IDs() []string { return c.IDsIn("") }

// IDsIn is IDs with each lesson's order read from its file in prefer where
// there is one: what lists the course in a language reads those files anyway,
// and lint holds every language to the same order.
func (c *Course) IDsIn(prefer string) []string {
	ids := make([]string, 0, len(c.files))
	orders := map[string]int{}
	for id, langs := range c.files {
		ids = append(ids, id)
		for _, lang := range append(append([]string{prefer}, Languages...), sortedKeys(langs)...) {
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
			if _, err := e.source(); err != nil {
				return nil, err
			}
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
			return e.outlined()
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
