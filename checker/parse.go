package checker

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	search "github.com/moby/buildkit/util/suggest"
	"gopkg.in/yaml.v3"
)

// maxTimeout caps a check's timeout, so a typo cannot make a step hang.
const maxTimeout = 60 * time.Second

// Parse parses one check block. Every problem of the block is reported
// together in a *ParseError, each at the line of the offending key.
func Parse(b Block) (Check, error) {
	d := &decoder{file: b.File, base: b.Line, lines: map[string]int{}}
	c, ok := d.parse(b.Source)
	if len(d.problems) > 0 || !ok {
		sort.SliceStable(d.problems, func(i, j int) bool { return d.problems[i].Line < d.problems[j].Line })
		return Check{}, &ParseError{Problems: d.problems}
	}
	return c, nil
}

// decoder collects problems while walking a block's YAML nodes.
type decoder struct {
	file     string
	base     int
	problems []Problem
	lines    map[string]int // field name -> file line of its key
}

func (d *decoder) errorf(n *yaml.Node, format string, args ...any) {
	line := d.base + 1
	if n != nil && n.Line > 0 {
		line = d.base + n.Line
	}
	d.problems = append(d.problems, Problem{File: d.file, Line: line, Message: fmt.Sprintf(format, args...)})
}

var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })

var commonFields = map[string]bool{"name": true, "hint": true, "timeout": true}

func (d *decoder) parse(src string) (Check, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		line, msg := 0, err.Error()
		if m := yamlLine().FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
			msg = m[2]
		}
		d.errorf(&yaml.Node{Line: line}, "malformed YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return Check{}, false
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		d.errorf(nil, "empty check block: name one kind with its subject, e.g. \"container: web\"")
		return Check{}, false
	}
	root := doc.Content[0]
	if root.Kind == yaml.MappingNode && len(root.Content) == 0 {
		d.errorf(root, "empty check block: name one kind with its subject, e.g. \"container: web\"")
		return Check{}, false
	}
	if root.Kind != yaml.MappingNode {
		d.errorf(root, "a check is a YAML mapping (key: value lines), got %s", describeNode(root))
		return Check{}, false
	}

	// The kind is the first key that names one; later keys are its fields,
	// even where a field shares a kind's name (container: web, image: nginx).
	var c Check
	var kindKey, kindValue *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if _, known := newSpec(Kind(root.Content[i].Value)); known {
			kindKey, kindValue = root.Content[i], root.Content[i+1]
			break
		}
	}
	if kindKey == nil {
		first := root.Content[0]
		if !commonFields[first.Value] {
			d.errorf(first, "unknown check kind %q%s; kinds: %s", first.Value, suggest(first.Value, kindNames()), kindList())
		} else {
			d.errorf(root, "no check kind: the block needs one of %s with its subject, e.g. \"container: web\"", kindList())
		}
		return Check{}, false
	}
	c.Kind = Kind(kindKey.Value)
	c.spec, _ = newSpec(c.Kind)
	switch {
	case kindValue.Kind != yaml.ScalarNode:
		d.errorf(kindKey, "%s check: the subject must be a single value (e.g. \"%s: %s\"), got %s",
			c.Kind, c.Kind, subjectExample(c.Kind), describeNode(kindValue))
	case strings.TrimSpace(kindValue.Value) == "" || kindValue.Tag == "!!null":
		d.errorf(kindKey, "%s check: missing subject; write \"%s: %s\"", c.Kind, c.Kind, subjectExample(c.Kind))
	default:
		c.Subject = strings.TrimSpace(kindValue.Value)
	}
	c.File, c.Line = d.file, d.base+kindKey.Line
	c.Timeout = defaultTimeout(c.Kind)

	fields := reflect.ValueOf(c.spec).Elem()
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if k == kindKey {
			continue
		}
		if prev, dup := seen[k.Value]; dup {
			d.errorf(k, "%s check: field %q given twice (first on line %d)", c.Kind, k.Value, d.base+prev.Line)
			continue
		}
		seen[k.Value] = k
		d.lines[k.Value] = d.base + k.Line
		f, isField := fieldByKey(fields, k.Value)
		if isField {
			// A kind's own field wins over a common one: for containers,
			// name is the filter.
			d.decodeField(c.Kind, k, v, f)
			continue
		}
		switch k.Value {
		case "name":
			d.decodeField(c.Kind, k, v, reflect.ValueOf(&c.Name).Elem())
			continue
		case "hint":
			d.decodeField(c.Kind, k, v, reflect.ValueOf(&c.Hint).Elem())
			continue
		case "timeout":
			var t duration
			if d.decodeField(c.Kind, k, v, reflect.ValueOf(&t).Elem()) {
				if t.d < 0 || t.d > maxTimeout {
					d.errorf(k, "%s check: timeout %s is out of range; use 0 to %s", c.Kind, v.Value, maxTimeout)
				} else {
					c.Timeout = t.d
				}
			}
			continue
		}
		if _, isKind := newSpec(Kind(k.Value)); isKind {
			d.errorf(k, "two kinds in one check: %q (line %d) and %q; put each in its own check block",
				kindKey.Value, d.base+kindKey.Line, k.Value)
		} else {
			d.errorf(k, "%s check: unknown field %q%s; known fields: %s", c.Kind, k.Value,
				suggest(k.Value, strings.Split(fieldList(fields), ", ")), fieldList(fields))
		}
	}
	if v, ok := c.spec.(validator); ok && c.Subject != "" {
		v.validate(d, &c)
	}
	if c.Name == "" {
		c.Name, c.derived = fmt.Sprintf("%s %s", c.Kind, c.Subject), true
	}
	return c, true
}

// validator is implemented by specs that check their fields together.
type validator interface {
	validate(d *decoder, c *Check)
}

// invalid reports a problem with the named field at its key's line.
func (d *decoder) invalid(c *Check, field, format string, args ...any) {
	line := d.lines[field]
	if line == 0 {
		line = c.Line
	}
	d.problems = append(d.problems, Problem{File: d.file, Line: line,
		Message: fmt.Sprintf("%s check: ", c.Kind) + fmt.Sprintf(format, args...)})
}

func kindNames() []string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return names
}

// suggest returns ` (did you mean "x"?)` for the closest of names within
// two edits of s, or "".
func suggest(s string, names []string) string {
	best, ok := search.Search(s, names, true)
	if !ok {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

func subjectExample(k Kind) string {
	switch k {
	case KindImage:
		return "busybox:latest"
	case KindHTTP:
		return "http://127.0.0.1:8080/"
	case KindTCP, KindPostgres:
		return "127.0.0.1:5433"
	case KindFile:
		return "/tmp/notes.txt"
	case KindQuiz:
		return "quiz-id"
	case KindCommand:
		return "test -s /tmp/x"
	case KindContainers:
		return "web servers"
	case KindNetwork:
		return "my-net"
	case KindVolume:
		return "my-volume"
	case KindVM:
		return "last-run"
	case KindBuild:
		return "last"
	}
	return "web"
}

// fieldByKey finds the spec field tagged with key (or aliased to it).
func fieldByKey(v reflect.Value, key string) (reflect.Value, bool) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Tag.Get("yaml") == key || f.Tag.Get("alias") == key {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func fieldList(v reflect.Value) string {
	t := v.Type()
	names := []string{"name", "hint", "timeout"}
	for i := 0; i < t.NumField(); i++ {
		if n := t.Field(i).Tag.Get("yaml"); n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return strings.Join(names, ", ")
}

// nodeDecoder is implemented by field types that decode themselves.
type nodeDecoder interface {
	decodeNode(d *decoder, n *yaml.Node) error
	describe() string
}

// decodeField decodes v into the field f and reports a wrong type at the
// key's line. It returns whether decoding succeeded.
func (d *decoder) decodeField(kind Kind, k, v *yaml.Node, f reflect.Value) bool {
	if err := decodeValue(d, v, f); err != nil {
		d.errorf(k, "%s check: field %q wants %s, got %s", kind, k.Value, describeType(f), err.Error())
		return false
	}
	return true
}

// errWrongType carries what was found instead, for decodeField's message.
type errWrongType string

func (e errWrongType) Error() string { return string(e) }

func wrongType(n *yaml.Node) error { return errWrongType(describeNode(n)) }

func decodeValue(d *decoder, n *yaml.Node, f reflect.Value) error {
	if f.CanAddr() {
		if nd, ok := f.Addr().Interface().(nodeDecoder); ok {
			return nd.decodeNode(d, n)
		}
	}
	switch f.Kind() {
	case reflect.Pointer:
		p := reflect.New(f.Type().Elem())
		if err := decodeValue(d, n, p.Elem()); err != nil {
			return err
		}
		f.Set(p)
		return nil
	case reflect.String:
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			return wrongType(n)
		}
		f.SetString(n.Value)
		return nil
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			return wrongType(n)
		}
		b, _ := strconv.ParseBool(n.Value)
		f.SetBool(b)
		return nil
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return wrongType(n)
		}
		i, err := strconv.Atoi(n.Value)
		if err != nil {
			return wrongType(n)
		}
		f.SetInt(int64(i))
		return nil
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return wrongType(n)
		}
		m := reflect.MakeMap(f.Type())
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return errWrongType(fmt.Sprintf("%s as the value of %q", describeNode(v), k.Value))
			}
			m.SetMapIndex(reflect.ValueOf(k.Value), reflect.ValueOf(v.Value))
		}
		f.Set(m)
		return nil
	}
	return fmt.Errorf("unsupported field type %s", f.Type())
}

func describeType(f reflect.Value) string {
	if f.CanAddr() {
		if nd, ok := f.Addr().Interface().(nodeDecoder); ok {
			return nd.describe()
		}
	}
	switch f.Kind() {
	case reflect.Pointer:
		return describeType(reflect.New(f.Type().Elem()).Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int:
		return "a whole number"
	case reflect.Map:
		return "a mapping like {key: value}"
	}
	return f.Type().String()
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	case yaml.AliasNode:
		return "an alias"
	}
	switch n.Tag {
	case "!!null":
		return "nothing"
	case "!!bool":
		return fmt.Sprintf("%s (true/false)", n.Value)
	case "!!int", "!!float":
		return fmt.Sprintf("the number %s", n.Value)
	}
	return fmt.Sprintf("%q", n.Value)
}

// List is a list of strings; a single string is a list of one.
type List []string

func (l *List) decodeNode(_ *decoder, n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return wrongType(n)
		}
		*l = List{n.Value}
		return nil
	case yaml.SequenceNode:
		out := make(List, 0, len(n.Content))
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode {
				return errWrongType(fmt.Sprintf("%s inside the list", describeNode(e)))
			}
			out = append(out, e.Value)
		}
		*l = out
		return nil
	}
	return wrongType(n)
}

func (l *List) describe() string { return "a list like [a, b] (or one string)" }

// duration is a Go duration string such as 500ms or 10s.
type duration struct{ d time.Duration }

func (t *duration) decodeNode(_ *decoder, n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return wrongType(n)
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		return wrongType(n)
	}
	t.d = d
	return nil
}

func (t *duration) describe() string { return "a duration like 500ms or 10s" }

func (t *Text) decodeNode(_ *decoder, n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return wrongType(n)
		}
		*t = Text{"en": n.Value}
		return nil
	case yaml.MappingNode:
		out := Text{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				return errWrongType(fmt.Sprintf("%s as the %q text", describeNode(v), k.Value))
			}
			out[k.Value] = v.Value
		}
		*t = out
		return nil
	}
	return wrongType(n)
}

func (t *Text) describe() string { return "a string or {en: ..., ko: ...}" }

// pattern is a Go regular expression, compiled when parsed.
type pattern struct {
	src string
	re  *regexp.Regexp
}

func (p *pattern) decodeNode(_ *decoder, n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return wrongType(n)
	}
	re, err := regexp.Compile(n.Value)
	if err != nil {
		return errWrongType(fmt.Sprintf("%q, which does not compile (%s)", n.Value,
			strings.TrimPrefix(err.Error(), "error parsing regexp: ")))
	}
	p.src, p.re = n.Value, re
	return nil
}

func (p *pattern) describe() string { return "a regular expression (Go syntax)" }

func refOf(p any) reflect.Value { return reflect.ValueOf(p).Elem() }
