package lessons

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"gopkg.in/yaml.v3"
)

// Block kinds: the info strings of fenced blocks that carry meaning. Any
// other fenced block (sh, console, dockerfile, ...) is shown as written.
const (
	blockHint     = "hint"
	blockQuiz     = "quiz"
	blockCheck    = "check"
	blockSetup    = "setup"
	blockSolution = "solution"
	blockCleanup  = "cleanup"
)

var specialBlocks = map[string]bool{
	blockHint: true, blockQuiz: true, blockCheck: true,
	blockSetup: true, blockSolution: true, blockCleanup: true,
}

// stepID is the form of a step, lesson or quiz id.
var stepID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`) })

// Parse reads one lesson file. The language comes from the file name
// (lesson.<lang>.md). It returns the lesson as far as it could be read and
// every problem found on the way; the lesson is never nil.
func Parse(file string, src []byte) (*Lesson, Problems) { return parse(file, src, false) }

// ParseOutline reads only what lists a lesson: its front matter and its
// steps' ids, titles and lines. Bodies, hints, quizzes, checks and scripts
// are left empty. It finds the same steps as Parse.
func ParseOutline(file string, src []byte) *Lesson {
	l, _ := parse(file, src, true)
	return l
}

func parse(file string, src []byte, outline bool) (*Lesson, Problems) {
	var probs Problems
	l := &Lesson{File: file, Lang: langOf(file)}

	body, offset := src, 0
	fm, rest, fmLines, ok := splitFrontMatter(src)
	switch {
	case !ok && fm == nil:
		probs.add(file, 1, `no front matter: start the file with a line "---", the YAML fields (id, title, ...) and another "---"`)
	case !ok:
		probs.add(file, 1, `front matter is not closed: add a line "---" after its fields`)
		body = nil
	default:
		if seen, ok := scanMeta(fm, &l.Meta); ok {
			l.fields, l.badFields = seen, map[string]bool{}
		} else {
			l.fields, l.badFields = parseMeta(file, fm, &l.Meta, &probs)
		}
		body, offset = rest, fmLines
	}
	if outline {
		if !outlineSteps(body, offset, l) {
			// A construct the line scan cannot judge: goldmark decides.
			l.Steps = nil
			parseBody(file, body, offset, l, &probs, true)
		}
		return l, probs
	}
	parseBody(file, body, offset, l, &probs, false)
	return l, probs
}

// langOf returns "ko" for ".../lesson.ko.md".
func langOf(file string) string {
	base := file[strings.LastIndexAny(file, `/\`)+1:]
	parts := strings.Split(base, ".")
	if len(parts) == 3 && parts[2] == "md" {
		return parts[1]
	}
	return ""
}

// splitFrontMatter cuts "---\n...\n---\n" off the start of src. fm is nil when
// src has no opening line; ok is false when the block is not closed. lines
// is the number of lines the block takes, fences included.
func splitFrontMatter(src []byte) (fm, rest []byte, lines int, ok bool) {
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	first, after, found := bytes.Cut(src, []byte("\n"))
	if strings.TrimRight(string(first), " \r") != "---" {
		return nil, src, 0, false
	}
	if !found {
		return []byte{}, nil, 1, false
	}
	pos, n := 0, 1
	for pos <= len(after) {
		end := bytes.IndexByte(after[pos:], '\n')
		line := after[pos:]
		next := len(after) + 1
		if end >= 0 {
			line, next = after[pos:pos+end], pos+end+1
		}
		n++
		if strings.TrimRight(string(line), " \r") == "---" {
			if next > len(after) {
				next = len(after)
			}
			return after[:pos], after[next:], n, true
		}
		pos = next
	}
	return after, nil, n, false
}

var metaFields = []string{"id", "title", "summary", "order", "requires", "minutes"}
var requiresFields = []string{"lessons", "images", "ports"}

// parseMeta decodes the front matter field by field, so that every bad field
// is reported at its own line. It returns the fields given (nil when the
// front matter is not a mapping) and those whose value was bad.
func parseMeta(file string, fm []byte, m *Meta, probs *Problems) (seen, bad map[string]bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(fm, &doc); err != nil {
		line, msg := yamlError(err)
		probs.add(file, 1+line, "front matter is not valid YAML: %s", msg)
		return nil, nil
	}
	seen, bad = map[string]bool{}, map[string]bool{}
	if len(doc.Content) == 0 {
		return seen, bad // empty: lint reports the missing fields
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		probs.add(file, 1+root.Line, "front matter must be a YAML mapping of fields (id: ..., title: ...)")
		return nil, nil
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		line := 1 + k.Line
		if seen[k.Value] {
			probs.add(file, line, "front matter: field %q is given twice", k.Value)
			continue
		}
		seen[k.Value] = true
		var err error
		switch k.Value {
		case "id":
			err = decodeScalar(v, &m.ID, "a string")
		case "title":
			err = decodeScalar(v, &m.Title, "a string")
		case "summary":
			err = decodeScalar(v, &m.Summary, "a string")
		case "order":
			err = decodeScalar(v, &m.Order, "a whole number")
		case "minutes":
			err = decodeScalar(v, &m.Minutes, "a whole number")
		case "requires":
			if !parseRequires(file, v, &m.Requires, probs) {
				bad[k.Value] = true
			}
		default:
			probs.add(file, line, "front matter: unknown field %q (known: %s)", k.Value, strings.Join(metaFields, ", "))
		}
		if err != nil {
			bad[k.Value] = true
			probs.add(file, 1+v.Line, "front matter: %s: %v", k.Value, err)
		}
	}
	return seen, bad
}

// parseRequires decodes requires, reporting every bad field; false when
// one was bad.
func parseRequires(file string, n *yaml.Node, r *Requires, probs *Problems) bool {
	if n.Kind != yaml.MappingNode {
		probs.add(file, 1+n.Line, "front matter: requires: want a mapping with %s", strings.Join(requiresFields, ", "))
		return false
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		var err error
		switch k.Value {
		case "lessons":
			err = decodeList(v, &r.Lessons, "a list of lesson ids")
		case "images":
			err = decodeList(v, &r.Images, "a list of image names")
		case "ports":
			err = decodeList(v, &r.Ports, "a list of port numbers")
		default:
			probs.add(file, 1+k.Line, "front matter: requires: unknown field %q (known: %s)", k.Value, strings.Join(requiresFields, ", "))
			ok = false
		}
		if err != nil {
			probs.add(file, 1+v.Line, "front matter: requires.%s: %v", k.Value, err)
			ok = false
		}
	}
	return ok
}

func decodeScalar(n *yaml.Node, dst any, want string) error {
	if n.Kind != yaml.ScalarNode || n.Decode(dst) != nil {
		return fmt.Errorf("want %s, found %s", want, describe(n))
	}
	return nil
}

func decodeList(n *yaml.Node, dst any, want string) error {
	if n.Kind != yaml.SequenceNode || n.Decode(dst) != nil {
		return fmt.Errorf("want %s, found %s", want, describe(n))
	}
	return nil
}

// describe names what a YAML node holds, for "want X, found Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return strconv.Quote(n.Value)
	}
	return "nothing"
}

var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): (.*)$`) })

// yamlError splits a yaml.v3 syntax error into its line (1-based, 0 when
// unknown) and message.
func yamlError(err error) (int, string) {
	msg := err.Error()
	if m := yamlLine().FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// lineIndex maps byte offsets of a Markdown body to lines of the file.
type lineIndex struct {
	starts []int // byte offset of each line's start
	offset int   // lines before the body (front matter)
}

func newLineIndex(src []byte, offset int) lineIndex {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return lineIndex{starts: starts, offset: offset}
}

// line returns the 1-based file line of a byte offset.
func (ix lineIndex) line(pos int) int {
	return sort.Search(len(ix.starts), func(i int) bool { return ix.starts[i] > pos }) + ix.offset
}

// text returns body lines [from, to] (file lines, inclusive).
func (ix lineIndex) lines(src []byte, from, to int) []string {
	var out []string
	for l := from; l <= to; l++ {
		i := l - ix.offset - 1
		if i < 0 || i >= len(ix.starts) {
			continue
		}
		end := len(src)
		if i+1 < len(ix.starts) {
			end = ix.starts[i+1] - 1
		}
		out = append(out, strings.TrimRight(string(src[ix.starts[i]:end]), "\r"))
	}
	return out
}

// section is the part of the body that belongs to the intro or one step.
type section struct {
	step     *Step
	from, to int // file lines of its content
	skip     [][2]int
}

func parseBody(file string, src []byte, offset int, l *Lesson, probs *Problems, outline bool) {
	ix := newLineIndex(src, offset)
	last := offset + len(ix.starts)
	doc := markdown().Parse(text.NewReader(src))

	intro := &section{from: offset + 1, to: last}
	sections := []*section{intro}
	cur := intro
	ids := map[string]int{}
	for n := doc.FirstChild(); n != nil; n = n.NextSibling() {
		switch n := n.(type) {
		case *ast.Heading:
			if n.Level != 2 {
				continue
			}
			line := ix.line(headingPos(n, src))
			cur.to = line - 1
			st := &Step{Line: line}
			raw := ix.lines(src, line, line)
			st.Title, _, _ = splitHeading(strings.Join(raw, ""))
			if v, ok := n.AttributeString("id"); ok {
				if b, ok := v.([]byte); ok {
					st.ID = string(b)
				}
			}
			switch {
			case st.ID == "":
				probs.add(file, line, "step %q has no id: end its heading with {#step-id}", st.Title)
			case !stepID().MatchString(st.ID):
				probs.add(file, line, "step id %q: use lowercase letters, digits and dashes", st.ID)
			case ids[st.ID] != 0:
				probs.add(file, line, "step id %q is used twice (first at line %d)", st.ID, ids[st.ID])
			default:
				ids[st.ID] = line
			}
			l.Steps = append(l.Steps, st)
			cur = &section{step: st, from: line + 1, to: last}
			sections = append(sections, cur)
		case *ast.FencedCodeBlock:
			if outline {
				continue
			}
			kind := fenceKind(n, src)
			if !specialBlocks[kind] {
				continue
			}
			open, first, close := fenceLines(n, src, ix)
			if close == 0 {
				probs.add(file, open, "```%s block is never closed: add a line ``` after it", kind)
				close = last
			}
			cur.skip = append(cur.skip, [2]int{open, close})
			content := string(n.Lines().Value(src))
			if cur.step == nil {
				probs.add(file, open, "```%s block before the first step: move it under a ## step heading", kind)
				continue
			}
			if inner, at := innerOpening(content); inner != "" {
				// A fence opening inside: this block's closing line is
				// missing, and it swallowed the next block. Both are
				// read as meant, so that the one mistake is reported
				// once, not as a missing block and a translation that
				// differs.
				probs.add(file, open, "```%s block is not closed before the ```%s at line %d: add a line ``` before that line", kind, inner, first+at)
				lines := strings.SplitAfter(content, "\n")
				addBlock(file, cur.step, kind, strings.Join(lines[:at], ""), first, probs)
				addBlock(file, cur.step, inner, strings.Join(lines[at+1:], ""), first+at+1, probs)
				continue
			}
			addBlock(file, cur.step, kind, content, first, probs)
		}
	}
	if outline {
		return
	}
	for _, s := range sections {
		md := joinLines(ix.lines(src, s.from, s.to), s.skip, s.from)
		if s.step == nil {
			l.Intro = md
		} else {
			s.step.Body = md
		}
	}
}

// innerOpening finds, in a special block's content, a line that opens
// another special block ("```solution"), which only a missing closing line
// puts there; it returns the kind and the line's index.
func innerOpening(content string) (string, int) {
	for i, line := range strings.Split(content, "\n") {
		for _, fence := range []string{"```", "~~~"} {
			if info, ok := strings.CutPrefix(strings.TrimSpace(line), fence); ok {
				if kind := strings.Fields(info + " x")[0]; specialBlocks[kind] {
					return kind, i
				}
			}
		}
	}
	return "", 0
}

// outlineSteps finds the steps' headings line by line, without goldmark: a
// `## ` heading at the start of a line outside fenced blocks. It is what
// listing the course (dockyard progress, menus) costs per lesson, so it
// stays cheap; TestOutlineMatchesParse and FuzzParse hold it to the full
// parse. It reports false, having found nothing certain, when the text has
// a construct that can make a line that looks like a heading not one, or
// one that does not look like it one (an indented "##" or fence, which may
// sit in a list item; a line of only - or =, which underlines a setext
// heading; what may open an HTML block): the caller then parses in full.
//
// It works on the bytes, turning only heading lines into strings: every
// new string is new memory, and in a command's start new memory is page
// faults.
func outlineSteps(src []byte, offset int, l *Lesson) bool {
	var fence []byte
	for i := 0; len(src) > 0; i++ {
		raw := src
		if end := bytes.IndexByte(src, '\n'); end >= 0 {
			raw, src = src[:end], src[end+1:]
		} else {
			src = nil
		}
		// Most lines are prose. Only one that starts (after its spaces)
		// with one of these can open or close a fence, be a heading or
		// stop the scan, so only those are looked at as text.
		if t := bytes.TrimLeft(raw, " "); len(t) == 0 || !strings.ContainsRune("#`~-=<", rune(t[0])) {
			continue
		}
		line := bytes.TrimRight(raw, "\r")
		rest := bytes.TrimLeft(line, " ")
		if len(line)-len(rest) > 3 {
			continue
		}
		if fence != nil {
			if bytes.HasPrefix(rest, fence) && len(bytes.TrimRight(rest, string(fence[:1])+" \t")) == 0 {
				fence = nil
			}
			continue
		}
		if f := fenceOpening(rest); f != nil {
			if len(rest) != len(line) {
				return false // it may sit in a list item, whose end closes it
			}
			fence = f
			continue
		}
		if setextUnderline(rest) || rest[0] == '<' && mayOpenHTML(rest) || len(rest) != len(line) && rest[0] == '#' {
			return false
		}
		if !bytes.HasPrefix(rest, []byte("##")) || len(rest) > 2 && rest[2] != ' ' && rest[2] != '\t' {
			continue
		}
		if !utf8.Valid(line) {
			return false // goldmark reads a heading's attributes after bad bytes its own way
		}
		st := &Step{Line: offset + i + 1}
		if title, attrs, ok := splitHeading(string(line)); ok {
			st.Title, st.ID = title, attrID(attrs)
		}
		l.Steps = append(l.Steps, st)
	}
	return true
}

// htmlBlockNames are the tags that open an HTML block whatever follows them
// (CommonMark 4.6, kinds 1 and 6, as goldmark lists them), space-separated.
const htmlBlockNames = " address article aside base basefont blockquote body caption center col colgroup dd details" +
	" dialog dir div dl dt fieldset figcaption figure footer form frame frameset h1 h2 h3 h4 h5 h6 head header hr" +
	" html iframe legend li link main menu menuitem meta nav noframes ol optgroup option p param pre script search" +
	" section style summary table tbody td textarea tfoot th thead title tr track ul "

// mayOpenHTML reports whether a line starting with "<" (its indentation
// removed) may open an HTML block, inside which a "##" line is no heading:
// "<!" or "<?", a block-level tag, or a whole tag alone on its line
// (CommonMark 4.6). It errs towards yes. Text such as `<folder>:/data` or
// "<3" opens none.
func mayOpenHTML(line []byte) bool {
	s := line[1:]
	if len(s) > 0 && (s[0] == '!' || s[0] == '?') {
		return true
	}
	s = bytes.TrimLeft(bytes.TrimPrefix(s, []byte("/")), " ")
	n := 0
	for n < len(s) && (s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || s[n] >= '0' && s[n] <= '9' || s[n] == '-') {
		n++
	}
	if n == 0 || s[0] >= '0' && s[0] <= '9' || s[0] == '-' {
		return false // no tag name
	}
	if strings.Contains(htmlBlockNames, " "+strings.ToLower(string(s[:n]))+" ") {
		return true
	}
	return bytes.HasSuffix(bytes.TrimRight(line, " \t"), []byte(">"))
}

// setextUnderline reports whether line is only - or = characters (and
// trailing blanks): under a paragraph line it makes that line a heading.
func setextUnderline(line []byte) bool {
	t := bytes.TrimRight(line, " \t")
	return len(t) > 0 && (len(bytes.Trim(t, "-")) == 0 || len(bytes.Trim(t, "=")) == 0)
}

// attrID is the id in a heading's attribute block ("{#id}"), or "".
func attrID(attrs string) string {
	_, id, ok := strings.Cut(attrs, "#")
	if !ok {
		return ""
	}
	if end := strings.IndexAny(id, " \t}"); end >= 0 {
		id = id[:end]
	}
	return id
}

// fenceOpening returns the fence (``` or ~~~, three or more) a line opens
// a fenced block with, or nil.
func fenceOpening(line []byte) []byte {
	for _, c := range []string{"`", "~"} {
		n := len(line) - len(bytes.TrimLeft(line, c))
		if n >= 3 && (c == "~" || !bytes.Contains(line[n:], []byte("`"))) {
			return line[:n]
		}
	}
	return nil
}

// headingPos returns a byte offset inside the heading's line.
func headingPos(h *ast.Heading, src []byte) int {
	if h.Lines().Len() > 0 {
		return h.Lines().At(0).Start
	}
	return h.Pos()
}

func fenceKind(n *ast.FencedCodeBlock, src []byte) string {
	if n.Info == nil {
		return ""
	}
	return string(n.Language(src))
}

// fenceLines returns the file lines of a fenced block's opening fence, its
// first content line and its closing fence (0 when it is never closed).
func fenceLines(n *ast.FencedCodeBlock, src []byte, ix lineIndex) (open, first, close int) {
	open = ix.line(n.Info.Segment.Start)
	first = open + 1
	lastContent := open
	if n.Lines().Len() > 0 {
		lastContent = ix.line(n.Lines().At(n.Lines().Len() - 1).Start)
	}
	fence := ix.lines(src, lastContent+1, lastContent+1)
	if len(fence) == 1 {
		t := strings.TrimLeft(fence[0], " ")
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			return open, first, lastContent + 1
		}
	}
	return open, first, 0
}

// joinLines returns the lines not inside any skipped range, without leading
// and trailing blank lines and with runs of blank lines squeezed to one.
func joinLines(lines []string, skip [][2]int, from int) string {
	var out []string
	blank := true
	for i, s := range lines {
		line := from + i
		skipped := false
		for _, r := range skip {
			if line >= r[0] && line <= r[1] {
				skipped = true
				break
			}
		}
		if skipped {
			continue
		}
		isBlank := strings.TrimSpace(s) == ""
		if isBlank && blank {
			continue
		}
		out = append(out, s)
		blank = isBlank
	}
	for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

func addBlock(file string, st *Step, kind, content string, line int, probs *Problems) {
	switch kind {
	case blockHint:
		if strings.TrimSpace(content) == "" {
			probs.add(file, line-1, "```hint block is empty")
			return
		}
		st.Hints = append(st.Hints, strings.TrimRight(content, "\n"))
	case blockCheck:
		if strings.TrimSpace(content) == "" {
			probs.add(file, line-1, "```check block is empty: name a check kind (see docs/checks.md)")
			return
		}
		st.Checks = append(st.Checks, CheckBlock{Source: content, File: file, Line: line - 1})
	case blockQuiz:
		if q := parseQuiz(file, content, line, probs); q != nil {
			st.Quizzes = append(st.Quizzes, q)
		}
	case blockSetup, blockSolution, blockCleanup:
		dst := map[string]*Script{blockSetup: &st.Setup, blockSolution: &st.Solution, blockCleanup: &st.Cleanup}[kind]
		if !dst.Empty() {
			probs.add(file, line-1, "step %q has a second ```%s block: put all its commands in one", st.ID, kind)
			return
		}
		*dst = Script{Source: content, Line: line}
	}
}
