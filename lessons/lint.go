package lessons

import (
	"bytes"
	"fmt"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/dockyard-lab/dockyard/lessons/screen"
)

// LintOptions configure Lint.
type LintOptions struct {
	// ValidateCheck parses one check block and returns every problem with
	// it, errors and warnings, each with its file and line (the checker's
	// parser, wired in by the caller so that this package does not import
	// the checker). Nil skips check validation.
	ValidateCheck func(CheckBlock) []Problem
	// KnownLesson reports whether a lesson outside the course exists, for
	// `requires` (e.g. the built-in lessons when an instructor lints one
	// folder). Nil means only the course's lessons exist.
	KnownLesson func(id string) bool
	// Only limits the report to these lesson ids (all when empty).
	Only []string
	// Glossary is the Korean glossary (docs/authoring.md, ParseGlossary):
	// Korean files are warned of every word it says to avoid. Nil skips it.
	Glossary []Term
}

// Lint checks every lesson of the course and returns all problems found,
// parsing problems included, sorted by file and line.
func Lint(c *Course, opts LintOptions) Problems {
	lint := func(id string) bool { return len(opts.Only) == 0 || slices.Contains(opts.Only, id) }
	var probs Problems
	for _, p := range c.Problems() {
		for id := range c.files {
			if lint(id) && strings.HasPrefix(p.File, c.dir(id)) {
				probs = append(probs, p)
				break
			}
		}
	}
	for _, id := range c.IDs() {
		if !lint(id) {
			continue
		}
		langs := c.Files(id)
		for _, lang := range sortedLangs(langs) {
			lintFile(c, id, langs[lang], opts, &probs)
		}
		lintLanguages(id, langs, &probs)
	}
	probs.Sort()
	return probs
}

func sortedLangs(langs map[string]*Lesson) []string {
	var out []string
	for l := range langs {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

func lintFile(c *Course, folder string, l *Lesson, opts LintOptions, probs *Problems) {
	f := l.File
	if !slices.Contains(Languages, l.Lang) {
		probs.add(f, 1, "unknown language %q in the file name: name it lesson.en.md or lesson.ko.md", l.Lang)
	}
	if l.fields != nil {
		missing := func(field string) bool { return !l.fields[field] }
		switch {
		case missing("id"):
			probs.add(f, 1, `front matter: missing field "id" (the folder name, %q)`, folder)
		case l.ID != folder:
			probs.add(f, 1, "front matter: id %q does not match the folder name %q", l.ID, folder)
		}
		if missing("title") {
			probs.add(f, 1, `front matter: missing field "title"`)
		}
		if missing("summary") {
			probs.add(f, 1, `front matter: missing field "summary"`)
		}
		if missing("order") {
			probs.add(f, 1, `front matter: missing field "order" (a number from 1: the lesson's place in the menu)`)
		}
		if missing("minutes") {
			probs.add(f, 1, `front matter: missing field "minutes" (the estimated time)`)
		}
	}
	for _, r := range l.Requires.Lessons {
		known := c.files[r] != nil || (opts.KnownLesson != nil && opts.KnownLesson(r))
		if r == folder {
			probs.add(f, 1, "front matter: requires.lessons: the lesson requires itself")
		} else if !known {
			probs.add(f, 1, "front matter: requires.lessons: no lesson %q", r)
		}
	}
	for _, p := range l.Requires.Ports {
		if p < 1 || p > 65535 {
			probs.add(f, 1, "front matter: requires.ports: %d is not a port (1-65535)", p)
		}
	}
	if len(l.Steps) == 0 {
		probs.add(f, 1, "the lesson has no steps: start each step with a ## heading")
	}
	quizzes := map[string]int{}
	for _, st := range l.Steps {
		for _, q := range st.Quizzes {
			if first, dup := quizzes[q.ID]; dup {
				probs.add(f, q.Line, "quiz id %q is used twice (first at line %d)", q.ID, first)
			} else {
				quizzes[q.ID] = q.Line
			}
		}
	}
	for _, st := range l.Steps {
		lintStep(f, st, quizzes, opts, probs)
	}
	if l.Lang == "ko" && opts.Glossary != nil {
		if e := c.files[folder]["ko"]; e != nil {
			src, _ := e.source()
			lintGlossary(f, src, opts.Glossary, probs)
		}
	}
	if e := c.files[folder][l.Lang]; e != nil {
		lintNext(c, folder, f, e.src, probs)
		lintCommandWidth(f, e.src, probs)
	}
}

// CommandWidth is the widest a line of a shell block may be, in terminal
// columns: the lesson screen indents code by four, and on an 80-column
// terminal a longer line is wrapped by the terminal at column 0, where it
// no longer reads as one command.
const CommandWidth = 76

// lintCommandWidth warns of every line of a shell block (```sh, bash,
// shell) or a solution block (`dockyard solve` shows it as a shell block)
// wider than CommandWidth. A warning, not an error: the command
// still works, it only reads badly, and "author test" refuses a lesson
// only for errors.
func lintCommandWidth(f string, src []byte, probs *Problems) {
	var fence []byte // the fence of the block the line is in, or nil
	shell := false
	for n, line := range bytes.Split(src, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		rest := bytes.TrimLeft(line, " ")
		if fence != nil {
			if bytes.HasPrefix(rest, fence) && len(bytes.TrimRight(rest, string(fence[:1])+" \t")) == 0 {
				fence = nil
				continue
			}
			if w := screen.Width(strings.TrimRight(string(line), " \t")); shell && w > CommandWidth {
				probs.warn(f, n+1, "command line is %d columns wide, more than %d: break it with \" \\\" at the end of a line and go on, indented, on the next, so that it fits an 80-column screen", w, CommandWidth)
			}
			continue
		}
		if fence = fenceOpening(rest); fence != nil {
			info := string(rest[len(fence):])
			shell = shellInfo(info) || strings.TrimSpace(info) == "solution"
		}
	}
}

// nextLine is a lesson's closing pointer to the lesson after it, in each
// language: "Next: **networks**, where ...", "다음 레슨 **networks**에서는 ...".
var nextLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:Next:|다음 레슨) \*\*([a-z0-9-]+)\*\*`) })

// lintNext reports a pointer to the next lesson that is not the one the
// menu (the lessons' order) and "dockyard learn" lead to: the two drift
// apart when a lesson is added between them.
func lintNext(c *Course, folder, f string, src []byte, probs *Problems) {
	ids := c.IDs()
	i := slices.Index(ids, folder)
	for n, line := range strings.Split(string(src), "\n") {
		m := nextLine().FindStringSubmatch(line)
		if m == nil || c.files[m[1]] == nil {
			continue
		}
		switch {
		case i+1 >= len(ids):
			probs.add(f, n+1, "the text names %q as the next lesson, but this is the last lesson of the course", m[1])
		case m[1] != ids[i+1]:
			probs.add(f, n+1, "the text names %q as the next lesson, but the menu's next is %q (the lessons' order)", m[1], ids[i+1])
		}
	}
}

func lintStep(f string, st *Step, quizzes map[string]int, opts LintOptions, probs *Problems) {
	name := st.ID
	if name == "" {
		name = st.Title
	}
	if strings.TrimSpace(st.Body) == "" && len(st.Quizzes) == 0 {
		probs.add(f, st.Line, "step %q has no text: tell the student what to do", name)
	}
	if len(st.Checks) == 0 {
		probs.add(f, st.Line, "step %q has no ```check block: add one so that dockyard check can verify the step", name)
	}
	checked := map[string]bool{}
	for _, b := range st.Checks {
		if id, ok := quizCheck(b); ok {
			checked[id] = true
			if _, exists := quizzes[id]; !exists {
				probs.add(f, b.Line+1, "check: no quiz %q in this lesson", id)
			}
		}
		if opts.ValidateCheck != nil {
			*probs = append(*probs, opts.ValidateCheck(b)...)
		}
		if what, ok := unexplainedCommand(b); ok {
			probs.warn(f, b.Line+1, "%s has no hint: failing, it tells the student only the command and its exit code or output; add hint: with en and ko saying what is missing and what to look at", what)
		}
	}
	for _, q := range st.Quizzes {
		if !checked[q.ID] {
			probs.add(f, q.Line, "quiz %q is never checked: add a check block `quiz: %s` to step %q", q.ID, q.ID, name)
		}
		if q.Multiple() && saysChooseAll(q.Question) {
			probs.warn(f, q.Line, "quiz %q asks to choose all itself: dockyard adds that to a question with several answers, so the student reads it twice; ask only the question", q.ID)
		}
	}
	if len(st.Hints) == 0 && len(st.Quizzes) == 0 {
		probs.warn(f, st.Line, "step %q has no ```hint block", name)
	}
	if st.Solution.Empty() && !st.QuizOnly() {
		probs.warn(f, st.Line, "step %q has no ```solution block: dockyard solve and author test need one", name)
	}
	if st.QuizOnly() && hasShell(st.Body) {
		probs.warn(f, st.Line, "step %q gives commands to run (a ```sh block) but checks only quiz answers: check the state they leave, or ask for a value only their output shows", name)
	}
	if len(st.Hints) > 0 {
		for _, cmd := range strings.Split(commands(st.Solution.Source), "\n") {
			if len(strings.Fields(cmd)) >= 2 && strings.Contains(st.Hints[0], cmd) {
				probs.warn(f, st.Line, "the first hint of step %q gives the solution %q: start with a nudge (the idea or the command to look at) and give the command in a later hint", name, cmd)
				break
			}
		}
	}
}

// hasShell reports whether Markdown has a fenced sh, bash or shell block:
// a command the student is told to run.
func hasShell(md string) bool {
	for _, line := range strings.Split(md, "\n") {
		t := strings.TrimSpace(line)
		for _, fence := range []string{"```", "~~~"} {
			if info, ok := strings.CutPrefix(t, fence); ok && shellInfo(info) {
				return true
			}
		}
	}
	return false
}

// shellInfo reports whether a fence's info string names a shell block: a
// command the student is told to run.
func shellInfo(info string) bool {
	switch strings.Fields(info + " x")[0] {
	case "sh", "bash", "shell":
		return true
	}
	return false
}

// quizCheck returns the quiz id of a `quiz: <id>` check.
func quizCheck(b CheckBlock) (string, bool) {
	var m map[string]any
	if yaml.Unmarshal([]byte(b.Source), &m) != nil {
		return "", false
	}
	id, ok := m["quiz"].(string)
	return id, ok
}

// unexplainedCommand describes a check whose verdict is a command's exit
// code or output (a command check, or an exec check in a container) and
// that has no hint of its own: the checker can only repeat the command,
// which does not say what the step's work is missing.
func unexplainedCommand(b CheckBlock) (string, bool) {
	var doc yaml.Node
	if yaml.Unmarshal([]byte(b.Source), &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return "", false
	}
	fields := map[string]*yaml.Node{}
	m := doc.Content[0].Content
	for i := 0; i+1 < len(m); i += 2 {
		fields[m[i].Value] = m[i+1]
	}
	if len(m) == 0 || m[0].Value != "command" && m[0].Value != "exec" {
		return "", false
	}
	if h := fields["hint"]; h != nil && (h.Value != "" || len(h.Content) > 0) {
		return "", false
	}
	command := ""
	if c := fields["command"]; c != nil {
		command = c.Value
		for _, arg := range c.Content {
			command = strings.TrimSpace(command + " " + arg.Value)
		}
	}
	if m[0].Value == "exec" {
		return fmt.Sprintf("exec check %q in %s", command, m[1].Value), true
	}
	return fmt.Sprintf("command check %q", command), true
}

// Work is the step without its quiz checks, for checking the work before
// its questions are asked; nil when the step has no quiz check or nothing
// but quiz checks.
func (st *Step) Work() *Step {
	var work []CheckBlock
	for _, b := range st.Checks {
		if _, ok := quizCheck(b); !ok {
			work = append(work, b)
		}
	}
	if len(work) == 0 || len(work) == len(st.Checks) {
		return nil
	}
	w := *st
	w.Checks = work
	return &w
}

// QuizOnly reports whether all of the step's checks are quiz checks: the
// step is done by answering its questions.
func (st *Step) QuizOnly() bool {
	if len(st.Checks) == 0 {
		return false
	}
	for _, b := range st.Checks {
		if _, ok := quizCheck(b); !ok {
			return false
		}
	}
	return true
}

// lintLanguages compares every translation of a lesson with the English one:
// same front matter facts, steps, checks, quizzes and scripts.
func lintLanguages(folder string, langs map[string]*Lesson, probs *Problems) {
	var dir string
	for _, l := range langs {
		dir = path.Dir(l.File)
	}
	for _, lang := range Languages {
		if langs[lang] == nil {
			probs.add(path.Join(dir, "lesson."+lang+".md"), 1, "missing: every lesson is written in %s", strings.Join(Languages, " and "))
		}
	}
	ref := langs[Languages[0]]
	if ref == nil {
		return
	}
	refName := path.Base(ref.File)
	for _, lang := range sortedLangs(langs) {
		l := langs[lang]
		if l == ref {
			continue
		}
		f := l.File
		// A field that one file does not state, or states wrongly, is
		// reported in that file alone: "order is 35 here but 0" would
		// send the author to the file that is right.
		comparable := func(field string) bool {
			return l.fields[field] && ref.fields[field] && !l.badFields[field] && !ref.badFields[field]
		}
		if comparable("id") && l.ID != ref.ID {
			probs.add(f, 1, "front matter: id is %q here but %q in %s", l.ID, ref.ID, refName)
		}
		if comparable("order") && l.Order != ref.Order {
			probs.add(f, 1, "front matter: order is %d here but %d in %s", l.Order, ref.Order, refName)
		}
		if comparable("minutes") && l.Minutes != ref.Minutes {
			probs.add(f, 1, "front matter: minutes is %d here but %d in %s", l.Minutes, ref.Minutes, refName)
		}
		if !l.badFields["requires"] && !ref.badFields["requires"] && l.fields != nil && ref.fields != nil &&
			!reflect.DeepEqual(norm(l.Requires), norm(ref.Requires)) {
			probs.add(f, 1, "front matter: requires differs from %s", refName)
		}
		// A file without steps is reported as such; listing every step of
		// the other as missing says nothing more.
		if len(l.Steps) > 0 && len(ref.Steps) > 0 {
			compareSteps(l, ref, refName, probs)
		}
	}
}

// stepsLine is where l's steps start (its first step's heading), the line
// a problem with the steps as a whole points at; 1 when it has none.
func stepsLine(l *Lesson) int {
	if len(l.Steps) > 0 && l.Steps[0].Line > 0 {
		return l.Steps[0].Line
	}
	return 1
}

func norm(r Requires) Requires {
	out := Requires{Lessons: slices.Clone(r.Lessons), Images: slices.Clone(r.Images), Ports: slices.Clone(r.Ports)}
	slices.Sort(out.Lessons)
	slices.Sort(out.Images)
	slices.Sort(out.Ports)
	return out
}

func compareSteps(l, ref *Lesson, refName string, probs *Problems) {
	f := l.File
	var common, refCommon []string
	for _, rs := range ref.Steps {
		if l.Step(rs.ID) == nil {
			probs.add(f, stepsLine(l), "step %q (%s:%d) is missing here", rs.ID, refName, rs.Line)
		} else {
			refCommon = append(refCommon, rs.ID)
		}
	}
	for _, st := range l.Steps {
		if ref.Step(st.ID) != nil {
			common = append(common, st.ID)
		}
	}
	if !slices.Equal(common, refCommon) {
		probs.add(f, stepsLine(l), "the steps are in another order than in %s: %s here, %s there", refName, strings.Join(common, ", "), strings.Join(refCommon, ", "))
	}
	for _, st := range l.Steps {
		rs := ref.Step(st.ID)
		if rs == nil {
			probs.add(f, st.Line, "step %q is not in %s", st.ID, refName)
			continue
		}
		compareStep(f, st, rs, refName, probs)
	}
}

func compareStep(f string, st, rs *Step, refName string, probs *Problems) {
	if len(st.Checks) != len(rs.Checks) {
		probs.add(f, st.Line, "step %q: %d check blocks here but %d in %s", st.ID, len(st.Checks), len(rs.Checks), refName)
	} else {
		for j := range st.Checks {
			if !sameCheck(st.Checks[j].Source, rs.Checks[j].Source) {
				probs.add(f, st.Checks[j].Line, "check %d of step %q differs from %s:%d (only hint and name may be translated)", j+1, st.ID, refName, rs.Checks[j].Line)
			}
		}
	}
	if len(st.Quizzes) != len(rs.Quizzes) {
		probs.add(f, st.Line, "step %q: %d quiz blocks here but %d in %s", st.ID, len(st.Quizzes), len(rs.Quizzes), refName)
	} else {
		for j, q := range st.Quizzes {
			rq := rs.Quizzes[j]
			switch {
			case q.ID != rq.ID:
				probs.add(f, q.Line, "quiz %d of step %q is %q here but %q in %s", j+1, st.ID, q.ID, rq.ID, refName)
			case len(q.Choices) != len(rq.Choices):
				probs.add(f, q.Line, "quiz %q: %d choices here but %d in %s", q.ID, len(q.Choices), len(rq.Choices), refName)
			case !reflect.DeepEqual(q.Answer, rq.Answer):
				probs.add(f, q.Line, "quiz %q: the answer is %s here but %s in %s", q.ID, q.Answer, rq.Answer, refName)
			}
		}
	}
	for _, s := range []struct {
		kind      string
		here, ref Script
	}{{blockSetup, st.Setup, rs.Setup}, {blockSolution, st.Solution, rs.Solution}, {blockCleanup, st.Cleanup, rs.Cleanup}} {
		if commands(s.here.Source) != commands(s.ref.Source) {
			line := s.here.Line - 1
			if s.here.Empty() {
				line = st.Line
			}
			probs.add(f, line, "the ```%s of step %q differs from %s (only comments may be translated)", s.kind, st.ID, refName)
		}
	}
	if len(st.Hints) != len(rs.Hints) {
		probs.warn(f, st.Line, "step %q: %d hint blocks here but %d in %s", st.ID, len(st.Hints), len(rs.Hints), refName)
	}
}

// String formats an answer as the YAML it came from: 2 or [1, 3].
func (a Answer) String() string {
	if !a.Multiple && len(a.Choices) == 1 {
		return fmt.Sprint(a.Choices[0])
	}
	s := make([]string, len(a.Choices))
	for i, c := range a.Choices {
		s[i] = fmt.Sprint(c)
	}
	return "[" + strings.Join(s, ", ") + "]"
}

// sameCheck compares two check blocks as data, ignoring the fields that may
// be translated (hint, name).
func sameCheck(a, b string) bool {
	var ma, mb map[string]any
	if yaml.Unmarshal([]byte(a), &ma) != nil || yaml.Unmarshal([]byte(b), &mb) != nil {
		return a == b
	}
	for _, m := range []map[string]any{ma, mb} {
		delete(m, "hint")
		if _, label := m["containers"].(string); label && firstKey(a) == "containers" {
			// containers: <label> is free text, and its name is a
			// filter (docs/checks.md): the label is what translates.
			delete(m, "containers")
		} else {
			delete(m, "name")
		}
	}
	return reflect.DeepEqual(ma, mb)
}

// firstKey is the first key of a check block, its kind.
func firstKey(src string) string {
	var n yaml.Node
	if yaml.Unmarshal([]byte(src), &n) != nil || len(n.Content) == 0 || len(n.Content[0].Content) == 0 {
		return ""
	}
	return n.Content[0].Content[0].Value
}

// commands returns a script without comments and blank lines.
func commands(s string) string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		out = append(out, t)
	}
	return strings.Join(out, "\n")
}

// saysChooseAll reports whether a question carries the "choose all that
// apply" that dockyard prints after every multiple-choice question
// (quiz.multiple in lessons/i18n), in either language.
func saysChooseAll(question string) bool {
	q := strings.ToLower(question)
	return strings.Contains(q, "all that apply") || strings.Contains(q, "모두 고르")
}
