package lessons

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// Term is one row of the Korean glossary: the one Korean word for a
// concept, and the words the lessons must not use for it.
type Term struct {
	English string
	Korean  string
	Avoid   []string
}

// GlossaryHeading is the heading of the glossary table in
// docs/authoring.md.
const GlossaryHeading = "## Korean glossary"

// ParseGlossary reads the glossary table under GlossaryHeading in an
// authoring guide: rows of | English | Korean | avoid (comma-separated) |,
// after a header row and a | --- | row.
func ParseGlossary(md []byte) ([]Term, error) {
	var terms []Term
	in, rows := false, 0
	sc := bufio.NewScanner(bytes.NewReader(md))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "#"):
			if in {
				return terms, nil
			}
			in = line == GlossaryHeading
			continue
		case !in || !strings.HasPrefix(line, "|"):
			continue
		}
		rows++
		if rows <= 2 { // header and separator
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if len(cells) != 3 {
			return nil, fmt.Errorf("glossary row %q: want 3 cells (English | Korean | avoid), got %d", line, len(cells))
		}
		t := Term{English: strings.TrimSpace(cells[0]), Korean: strings.TrimSpace(cells[1])}
		for _, a := range strings.Split(cells[2], ",") {
			if a = strings.TrimSpace(a); a != "" && a != "-" {
				t.Avoid = append(t.Avoid, a)
			}
		}
		terms = append(terms, t)
	}
	if terms == nil {
		return nil, fmt.Errorf("no table under %q", GlossaryHeading)
	}
	return terms, nil
}

// lintGlossary warns at every line of a Korean lesson that uses a word the
// glossary says to avoid.
func lintGlossary(f string, src []byte, terms []Term, probs *Problems) {
	for i, line := range strings.Split(string(src), "\n") {
		for _, t := range terms {
			for _, a := range t.Avoid {
				if strings.Contains(line, a) {
					probs.warn(f, i+1, "%q: the glossary (docs/authoring.md) says %s for %s", a, t.Korean, t.English)
				}
			}
		}
	}
}
