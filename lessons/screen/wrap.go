package screen

import (
	"strings"
	"unicode"
)

// style is a set of text attributes.
type style uint8

const (
	styleBold style = 1 << iota
	styleItalic
	styleCode
	styleDim
	styleLink
	styleHeading
	styleTitle
	styleComment
)

// sgr is the ANSI Select Graphic Rendition sequence of a style: 256-colour
// foregrounds readable on dark and light backgrounds alike.
func (s style) sgr() string {
	var codes []string
	if s&styleBold != 0 {
		codes = append(codes, "1")
	}
	if s&styleItalic != 0 {
		codes = append(codes, "3")
	}
	switch {
	case s&styleCode != 0:
		codes = append(codes, "38;5;203")
	case s&styleComment != 0, s&styleDim != 0:
		codes = append(codes, "38;5;244")
	case s&styleLink != 0:
		codes = append(codes, "4", "38;5;38")
	case s&styleTitle != 0:
		codes = append(codes, "38;5;228")
	case s&styleHeading != 0:
		codes = append(codes, "38;5;39")
	}
	if len(codes) == 0 {
		return ""
	}
	return "\x1b[" + strings.Join(codes, ";") + "m"
}

// paint wraps s in its style's escape sequence when color is on.
func paint(s string, st style, color bool) string {
	if !color || s == "" {
		return s
	}
	sgr := st.sgr()
	if sgr == "" {
		return s
	}
	return sgr + s + "\x1b[0m"
}

// piece is a run of inline text in one style. A whole piece (a code span,
// a URL) is never broken at its spaces; newline is a hard line break.
type piece struct {
	text    string
	style   style
	whole   bool
	newline bool
}

func withStyle(ps []piece, st style) []piece {
	for i := range ps {
		ps[i].style |= st
	}
	return ps
}

// word is what wrapping never breaks: the pieces between two spaces
// (`hello.txt`. is one word of two pieces). A word with no pieces is a
// hard line break.
type word []piece

func (w word) width() int {
	n := 0
	for _, p := range w {
		n += Width(p.text)
	}
	return n
}

func (w word) render(color bool) string { return render(w, color) }

// words splits pieces into words at spaces outside whole pieces.
func words(ps []piece) []word {
	var out []word
	var cur word
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
			cur = nil
		}
	}
	for _, p := range ps {
		switch {
		case p.newline:
			flush()
			out = append(out, word{})
		case p.whole:
			cur = append(cur, p)
		default:
			start := -1
			for i, c := range p.text {
				if unicode.IsSpace(c) {
					if start >= 0 {
						cur = append(cur, piece{text: p.text[start:i], style: p.style})
						start = -1
					}
					flush()
				} else if start < 0 {
					start = i
				}
			}
			if start >= 0 {
				cur = append(cur, piece{text: p.text[start:], style: p.style})
			}
		}
	}
	flush()
	return out
}

// wrap lays words out in lines at most width cells wide, one space apart;
// a word wider than the line stands alone on its own.
func wrap(ws []word, width int, color bool) []string {
	var lines []string
	var line []piece
	used := 0
	end := func() {
		lines = append(lines, render(line, color))
		line, used = nil, 0
	}
	for _, w := range ws {
		if len(w) == 0 {
			end()
			continue
		}
		ww := w.width()
		if len(line) > 0 && used+1+ww > width {
			end()
		}
		if len(line) > 0 {
			// The space between two words of one style takes that style
			// (an underlined link stays one line).
			st := line[len(line)-1].style
			if w[0].style != st {
				st = 0
			}
			line = append(line, piece{text: " ", style: st})
			used++
		}
		line = append(line, w...)
		used += ww
	}
	if len(line) > 0 || len(lines) == 0 {
		end()
	}
	return lines
}

// render writes pieces with one escape sequence per run of one style.
func render(ps []piece, color bool) string {
	var b strings.Builder
	for i := 0; i < len(ps); {
		j := i
		var run strings.Builder
		for ; j < len(ps) && ps[j].style == ps[i].style; j++ {
			run.WriteString(ps[j].text)
		}
		b.WriteString(paint(run.String(), ps[i].style, color))
		i = j
	}
	return b.String()
}
