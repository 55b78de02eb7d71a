package progress

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// parseWritten reads a progress file written as this package writes it:
// the known fields once each, in any order, strings without escapes,
// whole numbers, no nulls, and nothing after the object. ok is false for
// anything else, which encoding/json then reads. It exists because
// encoding/json's first decode in a process (reflection on the types, its
// field and encoder caches, its decoder's code read in) was a millisecond
// of every `dockyard progress`, a tenth of what that command costs.
// TestParseWritten and FuzzParseWritten hold it to encoding/json's result.
func parseWritten(data []byte) (p *Progress, ok bool) {
	r := &reader{data: data}
	p = &Progress{}
	ok = r.object(func(key string) bool {
		switch key {
		case "version":
			return r.int(&p.Version)
		case "current":
			return r.string(&p.Current)
		case "lang":
			return r.string(&p.Lang)
		case "lessons":
			p.Lessons = map[string]*Lesson{}
			return readMap(r, p.Lessons, r.lesson)
		}
		return false
	})
	r.space()
	return p, ok && r.pos == len(data)
}

// reader reads JSON in the form parseWritten takes; each method reports
// false for anything else.
type reader struct {
	data []byte
	pos  int
}

func (r *reader) lesson() (*Lesson, bool) {
	l := &Lesson{}
	return l, r.object(func(key string) bool {
		switch key {
		case "current":
			return r.string(&l.Current)
		case "steps":
			l.Steps = map[string]*Step{}
			return readMap(r, l.Steps, r.step)
		case "answers":
			l.Answers = map[string][]int{}
			return readMap(r, l.Answers, r.ints)
		case "started":
			return r.time(&l.Started)
		case "updated":
			return r.time(&l.Updated)
		}
		return false
	})
}

func (r *reader) step() (*Step, bool) {
	s := &Step{}
	return s, r.object(func(key string) bool {
		switch key {
		case "done":
			return r.bool(&s.Done)
		case "solved":
			return r.bool(&s.Solved)
		case "hints":
			return r.int(&s.Hints)
		case "at":
			return r.time(&s.At)
		}
		return false
	})
}

// readMap reads an object into m, each value with value; a key given
// twice is not taken.
func readMap[V any](r *reader, m map[string]V, value func() (V, bool)) bool {
	return r.object(func(key string) bool {
		if _, dup := m[key]; dup {
			return false
		}
		v, ok := value()
		m[key] = v
		return ok
	})
}

// object reads {"key": value, ...}, field reading each value; a key given
// twice is not taken.
func (r *reader) object(field func(key string) bool) bool {
	if !r.next('{') {
		return false
	}
	if r.next('}') {
		return true
	}
	var seen []string
	for {
		key, ok := r.text()
		if !ok || !r.next(':') {
			return false
		}
		for _, k := range seen {
			if k == key {
				return false
			}
		}
		seen = append(seen, key)
		if !field(key) {
			return false
		}
		if r.next('}') {
			return true
		}
		if !r.next(',') {
			return false
		}
	}
}

func (r *reader) ints() ([]int, bool) {
	list := []int{}
	if !r.next('[') {
		return nil, false
	}
	if r.next(']') {
		return list, true
	}
	for {
		var n int
		if !r.int(&n) {
			return nil, false
		}
		list = append(list, n)
		if r.next(']') {
			return list, true
		}
		if !r.next(',') {
			return nil, false
		}
	}
}

// space skips JSON's white space.
func (r *reader) space() {
	for r.pos < len(r.data) {
		switch r.data[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// next reads c after white space, if it is there.
func (r *reader) next(c byte) bool {
	r.space()
	if r.pos < len(r.data) && r.data[r.pos] == c {
		r.pos++
		return true
	}
	return false
}

// quoted reads a string without escapes or control characters, in
// UTF-8, and returns it with its quotes.
func (r *reader) quoted() ([]byte, bool) {
	if !r.next('"') {
		return nil, false
	}
	start := r.pos - 1
	for ; r.pos < len(r.data); r.pos++ {
		switch c := r.data[r.pos]; {
		case c == '"':
			r.pos++
			q := r.data[start:r.pos]
			return q, utf8.Valid(q)
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

func (r *reader) text() (string, bool) {
	q, ok := r.quoted()
	if !ok {
		return "", false
	}
	return string(q[1 : len(q)-1]), true
}

func (r *reader) string(s *string) (ok bool) {
	*s, ok = r.text()
	return ok
}

// time reads a string as encoding/json does: time.Time's UnmarshalJSON.
func (r *reader) time(t *time.Time) bool {
	q, ok := r.quoted()
	return ok && t.UnmarshalJSON(q) == nil
}

// int reads a whole number as JSON writes it: an optional minus, then 0 or
// digits not starting with 0.
func (r *reader) int(n *int) bool {
	r.space()
	start := r.pos
	if r.pos < len(r.data) && r.data[r.pos] == '-' {
		r.pos++
	}
	digits := r.pos
	for r.pos < len(r.data) && '0' <= r.data[r.pos] && r.data[r.pos] <= '9' {
		r.pos++
	}
	if r.pos == digits || r.data[digits] == '0' && r.pos > digits+1 {
		return false
	}
	if r.pos < len(r.data) && (r.data[r.pos] == '.' || r.data[r.pos] == 'e' || r.data[r.pos] == 'E') {
		return false
	}
	v, err := strconv.Atoi(string(r.data[start:r.pos]))
	*n = v
	return err == nil
}

func (r *reader) bool(b *bool) bool {
	r.space()
	for _, lit := range []string{"true", "false"} {
		if len(r.data)-r.pos >= len(lit) && string(r.data[r.pos:r.pos+len(lit)]) == lit {
			r.pos += len(lit)
			*b = lit == "true"
			return true
		}
	}
	return false
}
