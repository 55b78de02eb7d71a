package screen

import (
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// GFM tables (https://github.github.com/gfm/#tables-extension-) are found
// by this package's own paragraph transformer rather than goldmark's
// extension package, whose package initialisation (the linkify regular
// expressions) costs every start of dockyard about 2 ms: a paragraph whose
// second line is a delimiter row (| --- | :---: |) and whose first line has
// as many cells becomes a table; its lines become rows. Cells are parsed as
// inline Markdown by goldmark as usual.

var (
	kindTable = ast.NewNodeKind("ScreenTable")
	kindRow   = ast.NewNodeKind("ScreenTableRow")
	kindCell  = ast.NewNodeKind("ScreenTableCell")
)

type tableNode struct{ ast.BaseBlock }

func (n *tableNode) Kind() ast.NodeKind         { return kindTable }
func (n *tableNode) Dump(src []byte, level int) { ast.DumpHelper(n, src, level, nil, nil) }
func (n *rowNode) Kind() ast.NodeKind           { return kindRow }
func (n *rowNode) Dump(src []byte, level int)   { ast.DumpHelper(n, src, level, nil, nil) }
func (n *cellNode) Kind() ast.NodeKind          { return kindCell }
func (n *cellNode) Dump(src []byte, level int)  { ast.DumpHelper(n, src, level, nil, nil) }

type rowNode struct {
	ast.BaseBlock
	isHeader bool
}

type cellNode struct{ ast.BaseBlock }

type tableTransformer struct{}

func (tableTransformer) Transform(para *ast.Paragraph, reader text.Reader, _ parser.Context) {
	lines := para.Lines()
	if lines.Len() < 2 {
		return
	}
	src := reader.Source()
	delim := lines.At(1)
	n := delimiterCells(string(delim.Value(src)))
	if n == 0 {
		return
	}
	head := splitRow(lines.At(0), src)
	if len(head) != n {
		return
	}
	t := &tableNode{}
	t.AppendChild(t, newRow(head, true))
	for i := 2; i < lines.Len(); i++ {
		t.AppendChild(t, newRow(splitRow(lines.At(i), src), false))
	}
	para.Parent().ReplaceChild(para.Parent(), para, t)
}

func newRow(cells []text.Segment, header bool) *rowNode {
	r := &rowNode{isHeader: header}
	for _, seg := range cells {
		c := &cellNode{}
		c.Lines().Append(seg)
		r.AppendChild(r, c)
	}
	return r
}

// delimiterCells is the number of cells of a delimiter row, 0 when line is
// not one.
func delimiterCells(line string) int {
	line = strings.TrimSpace(line)
	if !strings.Contains(line, "-") {
		return 0
	}
	line = strings.TrimPrefix(strings.TrimSuffix(line, "|"), "|")
	cells := strings.Split(line, "|")
	for _, c := range cells {
		c = strings.TrimSpace(c)
		c = strings.TrimSuffix(strings.TrimPrefix(c, ":"), ":")
		if c == "" || strings.Trim(c, "-") != "" {
			return 0
		}
	}
	return len(cells)
}

// splitRow splits a table row at its unescaped pipes, without the outer
// ones, each cell trimmed of spaces.
func splitRow(line text.Segment, src []byte) []text.Segment {
	start, stop := line.Start, line.Stop
	for start < stop && isBlank(src[start]) {
		start++
	}
	for stop > start && (isBlank(src[stop-1]) || src[stop-1] == '\n' || src[stop-1] == '\r') {
		stop--
	}
	if start < stop && src[start] == '|' {
		start++
	}
	if stop > start && src[stop-1] == '|' && (stop-2 < start || src[stop-2] != '\\') {
		stop--
	}
	var cells []text.Segment
	from := start
	for i := start; i <= stop; i++ {
		if i < stop && (src[i] != '|' || (i > start && src[i-1] == '\\')) {
			continue
		}
		a, b := from, i
		for a < b && isBlank(src[a]) {
			a++
		}
		for b > a && isBlank(src[b-1]) {
			b--
		}
		cells = append(cells, text.NewSegment(a, b))
		from = i + 1
	}
	return cells
}

func isBlank(b byte) bool { return b == ' ' || b == '\t' }
