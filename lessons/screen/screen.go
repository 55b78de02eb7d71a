// Package screen renders a lesson's Markdown for a terminal, straight from
// goldmark's syntax tree: headings, paragraphs, lists, quotes, GFM tables and
// code blocks, styled with ANSI colours when colour is on and as plain text
// when it is off.
//
// Text is measured in terminal cells (East Asian wide characters take two,
// github.com/rivo/uniseg) and wrapped only at spaces: a word is never split,
// not even at a hyphen, and neither are inline code spans nor code blocks,
// whose lines are shown whole so that a command or a Go template can be
// copied as it is. Prose is wrapped at the terminal's width, at most
// ReadingWidth columns; tables may use the whole width.
//
// The package has no package-level state to build at start-up (no lexer or
// style registry), so a program that links it pays nothing until it renders.
package screen

import (
	"strconv"
	"strings"
	"sync"

	"github.com/rivo/uniseg"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// ReadingWidth is the widest prose is wrapped, however wide the terminal:
// longer lines are hard to read.
const ReadingWidth = 100

// margin is the blank space left of every rendered line.
const margin = "  "

// Options say how to render.
type Options struct {
	// Width is the terminal's width in columns (80 when 0).
	Width int
	// Color allows ANSI styling.
	Color bool
}

// proseWidth is the width prose is wrapped at, margin included.
func (o Options) proseWidth() int { return min(o.width(), ReadingWidth) }

func (o Options) width() int {
	if o.Width <= 0 {
		return 80
	}
	return o.Width
}

// ProseWidth is the width prose is wrapped at for a terminal width columns
// wide: the width, at most ReadingWidth (80 when width is 0).
func ProseWidth(width int) int { return Options{Width: width}.proseWidth() }

// markdown parses CommonMark with GFM tables (gfmtable.go); built on
// first use.
var markdown = sync.OnceValue(func() parser.Parser {
	return parser.NewParser(
		parser.WithBlockParsers(parser.DefaultBlockParsers()...),
		parser.WithInlineParsers(parser.DefaultInlineParsers()...),
		parser.WithParagraphTransformers(append(parser.DefaultParagraphTransformers(),
			util.Prioritized(tableTransformer{}, 200))...),
	)
})

// Render renders a Markdown document: a blank line, the blocks two columns
// in from the left and separated by blank lines, and a blank line.
func Render(md string, o Options) string {
	src := []byte(md)
	doc := markdown().Parse(text.NewReader(src))
	r := &renderer{src: src, o: o}
	lines := r.blocks(doc, o.proseWidth()-len(margin), o.width()-len(margin))
	var b strings.Builder
	b.WriteString("\n")
	for _, l := range lines {
		if l != "" {
			b.WriteString(margin)
		}
		b.WriteString(l)
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String()
}

// Inline renders one line of inline Markdown (a quiz choice in a menu):
// code spans, emphasis and links styled, nothing wrapped.
func Inline(md string, color bool) string {
	src := []byte(md)
	doc := markdown().Parse(text.NewReader(src))
	r := &renderer{src: src, o: Options{Color: color}}
	var parts []string
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		var line []string
		for _, w := range words(r.inline(n)) {
			line = append(line, w.render(color))
		}
		parts = append(parts, strings.Join(line, " "))
	}
	return strings.Join(parts, " ")
}

// Wrap wraps plain text (a message, not Markdown) at width columns, at
// spaces only: a word wider than width stands alone on its line, and a
// `quoted command` is kept whole, backticks and all, unless it is wider
// than a line: then it breaks between its words too, rather than run past
// the terminal's edge and wrap there, at column 0 under an indented
// message. Line breaks in text are kept.
func Wrap(s string, width int) []string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		var ps []piece
		parts := strings.Split(para, "`")
		for i, part := range parts {
			switch {
			case i%2 == 0:
				ps = append(ps, piece{text: part})
			case i == len(parts)-1: // an unclosed backtick
				ps = append(ps, piece{text: "`" + part})
			default:
				quoted := "`" + part + "`"
				ps = append(ps, piece{text: quoted, whole: Width(quoted) <= width})
			}
		}
		out = append(out, wrap(words(ps), width, false)...)
	}
	return out
}

// WrapAfter wraps plain text (as Wrap does) to follow first on the first
// line, at width columns, with the other lines indented as far as first
// reaches: a list mark, a label, an arrow before a fix. Width 0 leaves the
// text on one line.
func WrapAfter(first, text string, width int) []string {
	indent := Width(first)
	lines := []string{text}
	if width > 0 {
		lines = Wrap(text, max(width-indent, 20))
	}
	for i, line := range lines {
		if i > 0 {
			first = strings.Repeat(" ", indent)
		}
		lines[i] = strings.TrimRight(first+line, " ")
	}
	return lines
}

// Width is the number of terminal cells s takes (ANSI escapes not counted:
// pass plain text).
func Width(s string) int { return uniseg.StringWidth(s) }

// Truncate shortens plain text to at most width terminal cells, ending it
// with "…" when something was cut; it never splits a character (a Hangul
// syllable takes two cells, and stays whole or goes).
func Truncate(s string, width int) string {
	if Width(s) <= width {
		return s
	}
	var b strings.Builder
	used := 0
	g := uniseg.NewGraphemes(s)
	for g.Next() {
		w := g.Width()
		if used+w > width-1 {
			break
		}
		b.WriteString(g.Str())
		used += w
	}
	return strings.TrimRight(b.String(), " ") + "…"
}

type renderer struct {
	src []byte
	o   Options
}

// blocks renders the block children of n, separated by blank lines. width
// is the prose width left, full the width tables may take.
func (r *renderer) blocks(n ast.Node, width, full int) []string {
	var out []string
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		lines := r.block(c, width, full)
		if len(lines) == 0 {
			continue
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, lines...)
	}
	return out
}

func (r *renderer) block(n ast.Node, width, full int) []string {
	switch n := n.(type) {
	case *ast.Heading:
		marker := strings.Repeat("#", n.Level) + " "
		st := styleBold | styleHeading
		if n.Level == 1 {
			st = styleBold | styleTitle
		}
		ps := append([]piece{{text: marker, style: st}}, withStyle(r.inline(n), st)...)
		return indentRest(wrap(words(ps), width, r.o.Color), len(marker))
	case *ast.Paragraph, *ast.TextBlock:
		return wrap(words(r.inline(n)), width, r.o.Color)
	case *ast.ThematicBreak:
		return []string{paint("--------", styleDim, r.o.Color)}
	case *ast.List:
		return r.list(n, width, full)
	case *ast.Blockquote:
		bar := paint("│", styleDim, r.o.Color)
		lines := r.blocks(n, width-2, full-2)
		for i, l := range lines {
			if l == "" {
				lines[i] = bar
			} else {
				lines[i] = bar + " " + l
			}
		}
		return lines
	case *ast.FencedCodeBlock, *ast.CodeBlock:
		return r.code(n)
	case *ast.HTMLBlock:
		var lines []string
		for i := 0; i < n.Lines().Len(); i++ {
			seg := n.Lines().At(i)
			lines = append(lines, strings.TrimRight(string(seg.Value(r.src)), "\r\n "))
		}
		return lines
	case *tableNode:
		return r.table(n, full)
	}
	return r.blocks(n, width, full)
}

// list renders a bullet or numbered list; an item's continuation lines are
// indented under its text.
func (r *renderer) list(l *ast.List, width, full int) []string {
	var out []string
	num := l.Start
	if num == 0 {
		num = 1
	}
	markers := []string{}
	wide := 0
	for c := l.FirstChild(); c != nil; c = c.NextSibling() {
		m := "• "
		if l.IsOrdered() {
			m = strconv.Itoa(num) + ". "
			num++
		}
		markers = append(markers, m)
		wide = max(wide, Width(m))
	}
	i := 0
	for c := l.FirstChild(); c != nil; c = c.NextSibling() {
		m := markers[i]
		i++
		m += strings.Repeat(" ", wide-Width(m))
		lines := r.blocks(c, width-wide, full-wide)
		if len(lines) == 0 {
			lines = []string{""}
		}
		if len(out) > 0 && !l.IsTight {
			out = append(out, "")
		}
		for j, line := range lines {
			switch {
			case j == 0:
				out = append(out, strings.TrimRight(m+line, " "))
			case line == "":
				out = append(out, "")
			default:
				out = append(out, strings.Repeat(" ", wide)+line)
			}
		}
	}
	return out
}

// code renders a code block two columns in, each line whole.
func (r *renderer) code(n ast.Node) []string {
	var lines []string
	for i := 0; i < n.Lines().Len(); i++ {
		seg := n.Lines().At(i)
		line := strings.TrimRight(string(seg.Value(r.src)), "\r\n ")
		line = strings.ReplaceAll(line, "\t", "    ")
		st := styleCode
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			st = styleComment
		}
		if line == "" {
			lines = append(lines, "")
			continue
		}
		lines = append(lines, "  "+paint(line, st, r.o.Color))
	}
	return lines
}

// inline collects n's inline children as styled pieces.
func (r *renderer) inline(n ast.Node) []piece {
	var ps []piece
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		ps = append(ps, r.inlineNode(c)...)
	}
	return ps
}

func (r *renderer) inlineNode(n ast.Node) []piece {
	switch n := n.(type) {
	case *ast.Text:
		v := n.Segment.Value(r.src)
		if !n.IsRaw() {
			v = util.UnescapePunctuations(v)
		}
		ps := []piece{{text: string(v)}}
		switch {
		case n.HardLineBreak():
			ps = append(ps, piece{newline: true})
		case n.SoftLineBreak():
			ps = append(ps, piece{text: " "})
		}
		return ps
	case *ast.String:
		return []piece{{text: string(n.Value)}}
	case *ast.CodeSpan:
		var b strings.Builder
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				b.Write(c.Segment.Value(r.src))
			case *ast.String:
				b.Write(c.Value)
			}
		}
		// A code span may run over a line break in the source: CommonMark
		// reads the line ending as a space, and the lines may wrap there
		// (only there) when the span does not fit.
		var ps []piece
		for i, line := range strings.Split(b.String(), "\n") {
			if i > 0 {
				ps = append(ps, piece{text: " "})
			}
			ps = append(ps, piece{text: line, style: styleCode, whole: true})
		}
		return ps
	case *ast.Emphasis:
		st := styleItalic
		if n.Level >= 2 {
			st = styleBold
		}
		return withStyle(r.inline(n), st)
	case *ast.Link:
		ps := withStyle(r.inline(n), styleLink)
		if dest := string(n.Destination); dest != "" && dest != plainText(ps) {
			ps = append(ps, piece{text: " (" + dest + ")", style: styleDim})
		}
		return ps
	case *ast.AutoLink:
		return []piece{{text: string(n.URL(r.src)), style: styleLink, whole: true}}
	case *ast.RawHTML:
		var b strings.Builder
		for i := 0; i < n.Segments.Len(); i++ {
			seg := n.Segments.At(i)
			b.Write(seg.Value(r.src))
		}
		return []piece{{text: b.String()}}
	case *ast.Image:
		return r.inline(n)
	}
	return r.inline(n)
}

// indentRest indents every line but the first by n columns.
func indentRest(lines []string, n int) []string {
	for i := 1; i < len(lines); i++ {
		if lines[i] != "" {
			lines[i] = strings.Repeat(" ", n) + lines[i]
		}
	}
	return lines
}

func plainText(ps []piece) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.text)
	}
	return b.String()
}
