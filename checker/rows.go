package checker

import (
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// rows is a query result as a check writes it: a list of rows, each a list
// of values compared as text.
type rows [][]string

func (rs *rows) decodeNode(d *decoder, n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return wrongType(n)
	}
	for _, e := range n.Content {
		row, err := decodeRow(d, e)
		if err != nil {
			return err
		}
		*rs = append(*rs, row)
	}
	return nil
}

func (rs *rows) describe() string { return "a list of rows, each a list of values, e.g. [[1, alice]]" }

func decodeRow(d *decoder, n *yaml.Node) ([]string, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, errWrongType(describeNode(n) + " as a row")
	}
	var l List
	if err := l.decodeNode(d, n); err != nil {
		return nil, err
	}
	return l, nil
}

func showRows(rs [][]string) string {
	if len(rs) == 0 {
		return "no rows"
	}
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = "(" + strings.Join(r, ", ") + ")"
	}
	return strings.Join(parts, " ")
}

// rowItem is one item of rows_contain: a whole row, or one value.
type rowItem struct {
	row   []string
	value *string
}

func (it rowItem) in(got [][]string) bool {
	for _, r := range got {
		if it.value != nil && slices.Contains(r, *it.value) || it.value == nil && slices.Equal(r, it.row) {
			return true
		}
	}
	return false
}

func (it rowItem) String() string {
	if it.value != nil {
		return *it.value
	}
	return "(" + strings.Join(it.row, ", ") + ")"
}

type rowSet []rowItem

func (rs *rowSet) decodeNode(d *decoder, n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode {
		return wrongType(n)
	}
	for _, e := range n.Content {
		if e.Kind == yaml.ScalarNode {
			v := e.Value
			*rs = append(*rs, rowItem{value: &v})
			continue
		}
		row, err := decodeRow(d, e)
		if err != nil {
			return err
		}
		*rs = append(*rs, rowItem{row: row})
	}
	return nil
}

func (rs *rowSet) describe() string {
	return "a list of rows ([1, alice]) or single values"
}
