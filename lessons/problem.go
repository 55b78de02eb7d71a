package lessons

import (
	"fmt"
	"sort"
)

// Problem is one thing wrong with a lesson file, at a line (0 when it
// concerns the whole file).
type Problem struct {
	File    string
	Line    int
	Message string
	// Warning marks advice that does not make the lesson unusable.
	Warning bool
}

// String formats the problem as "file:line: message", the form editors and
// CI logs link to.
func (p Problem) String() string {
	msg := p.Message
	if p.Warning {
		msg = "warning: " + msg
	}
	if p.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, msg)
	}
	return fmt.Sprintf("%s: %s", p.File, msg)
}

// Problems is a list of problems, sortable by file and line.
type Problems []Problem

// Errors counts the problems that are not warnings.
func (ps Problems) Errors() int {
	n := 0
	for _, p := range ps {
		if !p.Warning {
			n++
		}
	}
	return n
}

// Sort orders problems by file, then line, keeping the order they were
// found in otherwise.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
}

func (ps *Problems) add(file string, line int, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (ps *Problems) warn(file string, line int, format string, args ...any) {
	*ps = append(*ps, Problem{File: file, Line: line, Message: fmt.Sprintf(format, args...), Warning: true})
}
