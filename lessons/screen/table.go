package screen

import (
	"strings"
)

// table renders a GFM table in columns two spaces apart, the header bold
// and underlined; cells too wide for width are wrapped inside their column.
func (r *renderer) table(t *tableNode, width int) []string {
	var rows [][][]word
	for row := t.FirstChild(); row != nil; row = row.NextSibling() {
		var cells [][]word
		for c := row.FirstChild(); c != nil; c = c.NextSibling() {
			cells = append(cells, words(r.inline(c)))
		}
		rows = append(rows, cells)
	}
	return layout(rows, t.FirstChild().(*rowNode).isHeader, width, r.o.Color)
}

// Table lays plain-text rows out in columns two spaces apart, wrapping
// cells inside their columns when the rows are wider than width. The first
// row is a header when header is set.
func Table(rows [][]string, header bool, width int, color bool) []string {
	cells := make([][][]word, len(rows))
	for i, row := range rows {
		for _, c := range row {
			cells[i] = append(cells[i], words([]piece{{text: c}}))
		}
	}
	return layout(cells, header, width, color)
}

const columnGap = 2

func layout(rows [][][]word, header bool, width int, color bool) []string {
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return nil
	}
	// Each column's natural width (its longest cell on one line) and least
	// width (its longest word).
	natural, least := make([]int, cols), make([]int, cols)
	for _, r := range rows {
		for c, cell := range r {
			n := 0
			for i, w := range cell {
				if i > 0 {
					n++
				}
				ww := w.width()
				n += ww
				least[c] = max(least[c], ww)
			}
			natural[c] = max(natural[c], n)
		}
	}
	widths := append([]int(nil), natural...)
	avail := width - columnGap*(cols-1)
	// Narrow the widest column that can still give, one cell at a time,
	// until the table fits or no column can give any more.
	for sum(widths) > avail {
		widest := -1
		for c := range widths {
			if widths[c] > least[c] && (widest < 0 || widths[c] > widths[widest]) {
				widest = c
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
	}
	var out []string
	for ri, r := range rows {
		st := style(0)
		if header && ri == 0 {
			st = styleBold
		}
		cellLines := make([][]string, cols)
		cellWidths := make([][]int, cols)
		height := 1
		for c := 0; c < cols; c++ {
			var cell []word
			if c < len(r) {
				cell = r[c]
			}
			lines := wrap(withWordStyle(cell, st), widths[c], color)
			plain := wrap(cell, widths[c], false)
			cellLines[c] = lines
			for _, p := range plain {
				cellWidths[c] = append(cellWidths[c], Width(p))
			}
			height = max(height, len(lines))
		}
		for i := 0; i < height; i++ {
			var b strings.Builder
			for c := 0; c < cols; c++ {
				text, w := "", 0
				if i < len(cellLines[c]) {
					text, w = cellLines[c][i], cellWidths[c][i]
				}
				b.WriteString(text)
				if c < cols-1 {
					b.WriteString(strings.Repeat(" ", max(widths[c]-w, 0)+columnGap))
				}
			}
			out = append(out, strings.TrimRight(b.String(), " "))
		}
		if header && ri == 0 {
			var b strings.Builder
			for c := 0; c < cols; c++ {
				if c > 0 {
					b.WriteString(strings.Repeat(" ", columnGap))
				}
				b.WriteString(strings.Repeat("─", widths[c]))
			}
			out = append(out, paint(b.String(), styleDim, color))
		}
	}
	return out
}

func withWordStyle(ws []word, st style) []word {
	if st == 0 {
		return ws
	}
	out := make([]word, len(ws))
	for i, w := range ws {
		out[i] = withStyle(append(word(nil), w...), st)
	}
	return out
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
