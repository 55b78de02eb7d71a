package lessons

import (
	"strings"
	"unicode/utf8"
)

// scanMeta reads a front matter written as the built-in lessons' are, as
// parseMeta (YAML) reads it, several times faster: listing the course reads
// every lesson's front matter, and in a command's start YAML's parser was
// most of what `dockyard progress` cost. Every line is blank or `field:
// value`, the value a whole number, "quoted" or 'quoted' without escapes,
// or plain text that YAML can only read as a string; `requires:` is
// followed by lines `  lessons: [a, b]` (images, ports likewise). ok is
// false for anything else (comments, block lists, continued lines, an
// unknown or repeated field), which parseMeta then reads and reports on;
// TestScanMetaBuiltin and FuzzScanMeta hold the two to the same result.
func scanMeta(fm []byte, m *Meta) (seen map[string]bool, ok bool) {
	src := string(fm)
	if !yamlPrintable(src) {
		return nil, false
	}
	var meta Meta
	seen = map[string]bool{}
	var req map[string]bool // requires' fields, while its lines are read
	for line := range strings.Lines(src) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			continue
		}
		indented := strings.HasPrefix(line, "  ")
		if !indented {
			if req != nil && len(req) == 0 {
				return nil, false // requires without fields is YAML's null
			}
			req = nil
		}
		key, value, found := strings.Cut(strings.TrimPrefix(line, "  "), ":")
		if !found || indented != (req != nil) || key == "" || key[0] == ' ' {
			return nil, false
		}
		value = strings.TrimRight(value, " ")
		if value != "" && value[0] != ' ' {
			return nil, false // "key:value" is one plain string to YAML
		}
		value = strings.TrimLeft(value, " ")
		if indented {
			if req[key] {
				return nil, false
			}
			req[key] = true
			var ok bool
			switch key {
			case "lessons":
				meta.Requires.Lessons, ok = scanList(value, scanName)
			case "images":
				meta.Requires.Images, ok = scanList(value, scanName)
			case "ports":
				meta.Requires.Ports, ok = scanList(value, scanNumber)
			}
			if !ok {
				return nil, false
			}
			continue
		}
		if seen[key] {
			return nil, false
		}
		seen[key] = true
		var ok bool
		switch key {
		case "id":
			meta.ID, ok = scanString(value)
		case "title":
			meta.Title, ok = scanString(value)
		case "summary":
			meta.Summary, ok = scanString(value)
		case "order":
			meta.Order, ok = scanNumber(value)
		case "minutes":
			meta.Minutes, ok = scanNumber(value)
		case "requires":
			req, ok = map[string]bool{}, value == "" // its fields follow, indented
		}
		if !ok {
			return nil, false
		}
	}
	if req != nil && len(req) == 0 {
		return nil, false
	}
	*m = meta
	return seen, true
}

// scanString reads a string value: "quoted" or 'quoted' without escapes,
// or plain text that YAML takes whole. A plain value YAML reads as a
// number or a bool is still its text in a string field.
func scanString(v string) (string, bool) {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') {
		inner, quote := v[1:len(v)-1], v[:1]
		if v[len(v)-1] != v[0] || strings.Contains(inner, quote) || quote == `"` && strings.Contains(inner, `\`) {
			return "", false
		}
		return inner, true
	}
	if v == "" || strings.ContainsRune(`-?:,[]{}#&*!|>'"%@<=~`+"`", rune(v[0])) ||
		strings.Contains(v, ": ") || strings.Contains(v, " #") || strings.HasSuffix(v, ":") {
		return "", false
	}
	if strings.EqualFold(v, "null") {
		return "", false // YAML's null, read as ""
	}
	return v, true
}

// scanName reads a list item that is a name: letters, digits and . _ / : -,
// starting with a letter and not ending with a colon.
func scanName(v string) (string, bool) {
	if v == "" || !('a' <= v[0] && v[0] <= 'z' || 'A' <= v[0] && v[0] <= 'Z') || strings.HasSuffix(v, ":") {
		return "", false
	}
	for _, c := range v {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("._/:-", c)) {
			return "", false
		}
	}
	if strings.EqualFold(v, "null") || strings.EqualFold(v, "true") || strings.EqualFold(v, "false") {
		return "", false
	}
	return v, true
}

// scanNumber reads a whole number written in decimal digits, without
// leading zeros, of at most nine digits.
func scanNumber(v string) (int, bool) {
	if v == "" || len(v) > 9 || v[0] == '0' && len(v) > 1 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(v) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// scanList reads a flow list, "[a, b]", of items item reads.
func scanList[T any](v string, item func(string) (T, bool)) ([]T, bool) {
	if len(v) < 2 || v[0] != '[' || v[len(v)-1] != ']' {
		return nil, false
	}
	out := []T{}
	inner := strings.Trim(v[1:len(v)-1], " ")
	if inner == "" {
		return out, true
	}
	for _, s := range strings.Split(inner, ",") {
		x, ok := item(strings.Trim(s, " "))
		if !ok {
			return nil, false
		}
		out = append(out, x)
	}
	return out, true
}

// yamlPrintable reports whether s is valid UTF-8 of characters YAML takes
// as they are: no control characters but newlines (so no tabs either), no
// byte order mark, none of the characters YAML 1.1 counts as line breaks.
func yamlPrintable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && r != '\n' || r >= 0x7f && r <= 0x9f || r == 0x2028 || r == 0x2029 || r == 0xfeff || r == 0xfffe || r == 0xffff {
			return false
		}
	}
	return true
}
