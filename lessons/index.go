package lessons

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// An index holds the outline of every lesson file of a source (what
// ParseOutline reads: the front matter, the steps' ids, titles and lines)
// with the file's size. Listing the course, which `dockyard progress` and
// every menu do, then reads 20 KB of text instead of outlining each lesson:
// for the built-in course, a quarter of a megabyte of Markdown copied and
// scanned in every such start.
//
// Only a source given its index (Source.Index) uses one: the built-in
// lessons, whose index (content/outlines.txt) TestBuiltinIndex holds equal
// to what outlining the files finds; `go generate ./content` rewrites it. A file whose size differs from
// the one recorded, or that the index lacks, is outlined from its text, so
// a lesson edited without rewriting the index still lists as written.
// Lesson, Files and Problems always parse the files themselves.
//
// The format is one line per field, each value a Go-quoted string or a
// decimal number:
//
//	file "intro/lesson.en.md" 12904
//	id "intro"
//	title "What is a container?"
//	summary "..."
//	order 1
//	minutes 20
//	requires.lessons "images"
//	step 14 "what" "The first step"
//
// A `file` line starts a record; a requires line is written only when the
// front matter has the list (which may be empty).

// record is one file's lines in an index, read when its outline is first
// asked for: listing the course in one language reads half of them.
type record struct {
	size int64
	text string // the lines after the file line
	line int    // the file line's, for messages
}

// WriteIndex writes the index of the lessons of src, outlining every file.
func WriteIndex(w io.Writer, src Source) error {
	src.Index = ""
	c, err := Load(src)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# Outlines of the lesson files, read to list the course (lessons/index.go).\n")
	fmt.Fprintf(bw, "# Written by `go generate ./content`; TestBuiltinIndex fails when it is out of date.\n")
	for _, id := range sortedKeys(c.files) {
		for _, lang := range sortedKeys(c.files[id]) {
			e := c.files[id][lang]
			text, err := e.source()
			if err != nil {
				return err
			}
			l := ParseOutline(e.file, text)
			fmt.Fprintf(bw, "file %s %d\n", strconv.Quote(id+"/"+e.name), len(text))
			fmt.Fprintf(bw, "id %s\ntitle %s\nsummary %s\norder %d\nminutes %d\n",
				strconv.Quote(l.ID), strconv.Quote(l.Title), strconv.Quote(l.Summary), l.Order, l.Minutes)
			writeList(bw, "requires.lessons", l.Requires.Lessons, strconv.Quote)
			writeList(bw, "requires.images", l.Requires.Images, strconv.Quote)
			writeList(bw, "requires.ports", l.Requires.Ports, strconv.Itoa)
			for _, st := range l.Steps {
				fmt.Fprintf(bw, "step %d %s %s\n", st.Line, strconv.Quote(st.ID), strconv.Quote(st.Title))
			}
		}
	}
	return bw.Flush()
}

func writeList[T any](w io.Writer, key string, list []T, format func(T) string) {
	if list == nil {
		return
	}
	io.WriteString(w, key)
	for _, v := range list {
		io.WriteString(w, " "+format(v))
	}
	io.WriteString(w, "\n")
}

// splitIndex cuts an index into its files' records, by file name
// (relative to the source).
func splitIndex(index string) (map[string]record, error) {
	out := map[string]record{}
	var vals []string
	name, from := "", 0
	closeRecord := func(to int) {
		if name != "" {
			r := out[name]
			r.text = index[from:to]
			out[name] = r
		}
	}
	for n, start := 1, 0; start < len(index); n++ {
		line, _, _ := strings.Cut(index[start:], "\n")
		next := min(start+len(line)+1, len(index))
		if rest, ok := strings.CutPrefix(line, "file "); ok {
			var err error
			if vals, err = indexValues(vals[:0], rest); err == nil {
				err = want(vals, 2)
			}
			size := 0
			if err == nil {
				size, err = strconv.Atoi(vals[1])
			}
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			closeRecord(start)
			name, from = vals[0], next
			out[name] = record{size: int64(size), line: n}
		} else if name == "" && line != "" && line[0] != '#' {
			return nil, fmt.Errorf("line %d: %q before the first file", n, line)
		}
		start = next
	}
	closeRecord(len(index))
	return out, nil
}

// parse reads the record's lines into an outline.
func (r record) parse() (*Lesson, error) {
	l := &Lesson{}
	var vals []string
	for n, text := r.line+1, r.text; text != ""; n++ {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		if line == "" || line[0] == '#' {
			continue
		}
		key, rest, _ := strings.Cut(line, " ")
		var err error
		if vals, err = indexValues(vals[:0], rest); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		switch key {
		case "id":
			err = scalar(vals, &l.ID)
		case "title":
			err = scalar(vals, &l.Title)
		case "summary":
			err = scalar(vals, &l.Summary)
		case "order":
			err = number(vals, &l.Order)
		case "minutes":
			err = number(vals, &l.Minutes)
		case "requires.lessons":
			l.Requires.Lessons = append([]string{}, vals...)
		case "requires.images":
			l.Requires.Images = append([]string{}, vals...)
		case "requires.ports":
			l.Requires.Ports = make([]int, len(vals))
			for i, v := range vals {
				var err1 error
				l.Requires.Ports[i], err1 = strconv.Atoi(v)
				err = errors.Join(err, err1)
			}
		case "step":
			st := &Step{}
			if err = want(vals, 3); err == nil {
				st.Line, err = strconv.Atoi(vals[0])
				st.ID, st.Title = vals[1], vals[2]
			}
			l.Steps = append(l.Steps, st)
		default:
			err = fmt.Errorf("unknown field %q", key)
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
	}
	return l, nil
}

// indexValues appends a line's values to vals: quoted strings and bare
// words, one space apart. A quoted string without escapes is a part of s,
// not a copy.
func indexValues(vals []string, s string) ([]string, error) {
	for s != "" {
		if s[0] != '"' {
			var word string
			word, s, _ = strings.Cut(s, " ")
			vals = append(vals, word)
			continue
		}
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return nil, err
		}
		v, err := strconv.Unquote(q)
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if s = s[len(q):]; s != "" {
			if s[0] != ' ' {
				return nil, fmt.Errorf("no space after %s", q)
			}
			s = s[1:]
		}
	}
	return vals, nil
}

func want(vals []string, n int) error {
	if len(vals) != n {
		return fmt.Errorf("%d values, want %d", len(vals), n)
	}
	return nil
}

func scalar(vals []string, dst *string) error {
	if err := want(vals, 1); err != nil {
		return err
	}
	*dst = vals[0]
	return nil
}

func number(vals []string, dst *int) (err error) {
	if err = want(vals, 1); err == nil {
		*dst, err = strconv.Atoi(vals[0])
	}
	return err
}

// useIndex has the file's outline read from idx, where it is recorded
// under name with the file's size; source names the index in messages.
func (e *entry) useIndex(idx map[string]record, name, source string) {
	r, ok := idx[name]
	if !ok {
		return
	}
	if info, err := fs.Stat(e.fsys, e.name); err != nil || info.Size() != r.size {
		return
	}
	e.indexed, e.index = &r, source
}

// fromIndex reads the file's outline from its record in the index.
func (e *entry) fromIndex() (*Lesson, error) {
	l, err := e.indexed.parse()
	if err != nil {
		return nil, fmt.Errorf("lesson index of %s, %w", e.index, err)
	}
	l.File, l.Lang = e.file, langOf(e.file)
	return l, nil
}
