// Package checker decides whether a student did a lesson's step from the
// real state of a container engine, never from what they typed.
//
// A lesson carries its checks as small YAML blocks (see docs/checks.md).
// Parse turns one block into a Check, reporting every problem with its
// file:line; Evaluate runs the checks of a step concurrently against an
// Engine, retrying transient states for a bounded time, and returns a Report
// whose failures say what was expected, what was found and which command to
// look at, in the student's language. The Engine is a small interface, so the
// same checks run against Dockyard's own engine or any Docker Engine API.
package checker

import (
	"fmt"
	"strings"
	"time"
)

// Kind names what a check looks at: "container", "image", "http", ...
type Kind string

// The kinds of check. docs/checks.md lists their fields.
const (
	KindImage      Kind = "image"
	KindContainer  Kind = "container"
	KindContainers Kind = "containers"
	KindNetwork    Kind = "network"
	KindVolume     Kind = "volume"
	KindExec       Kind = "exec"
	KindHTTP       Kind = "http"
	KindTCP        Kind = "tcp"
	KindPostgres   Kind = "postgres"
	KindFile       Kind = "file"
	KindQuiz       Kind = "quiz"
	KindCommand    Kind = "command"
	KindVM         Kind = "vm"
	KindBuild      Kind = "build"
)

// Kinds lists every kind in the order docs/checks.md describes them.
var Kinds = []Kind{KindImage, KindContainer, KindContainers, KindNetwork, KindVolume,
	KindExec, KindHTTP, KindTCP, KindPostgres, KindFile, KindQuiz, KindCommand, KindVM, KindBuild}

// Block is the raw text of one ```check block and where it came from.
type Block struct {
	// Source is the YAML inside the fence.
	Source string
	// File is the lesson file, as it should appear in messages.
	File string
	// Line is the file line of the opening fence, so the block's first YAML
	// line is Line+1.
	Line int
}

// Check is one parsed check, ready to evaluate.
type Check struct {
	Kind    Kind
	Subject string
	// Name labels the check in reports; Parse derives "<kind> <subject>"
	// when the block gives none.
	Name string
	// Hint is the lesson's own hint, by language.
	Hint Text
	// Timeout is how long Evaluate retries the check before it fails.
	Timeout time.Duration
	File    string
	Line    int

	spec spec
	// derived is set when Parse made Name up from the kind and subject, so
	// a report in another language may show it in that language.
	derived bool
}

// label is the check's name in cat's language.
func (c *Check) label(cat *catalog) string {
	if !c.derived {
		return c.Name
	}
	return cat.render("label."+string(c.Kind), map[string]any{"subject": c.Subject})
}

// Where returns "file:line" of the check's block.
func (c *Check) Where() string { return fmt.Sprintf("%s:%d", c.File, c.Line) }

// Text is a message in several languages, keyed "en", "ko".
type Text map[string]string

// In returns the text in lang, else English, else any language it has.
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok {
		return s
	}
	if s, ok := t["en"]; ok {
		return s
	}
	for _, s := range t {
		return s
	}
	return ""
}

// ParseError lists every problem found in one block.
type ParseError struct {
	Problems []Problem
}

// Problem is one thing wrong with a block, at a line of its file.
type Problem struct {
	File    string
	Line    int
	Message string
}

func (p Problem) String() string { return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message) }

func (e *ParseError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// Warning is something lint should point out in a valid check.
type Warning = Problem

// Lint returns advice about a valid check: a `command` check is the escape
// hatch and a declarative kind is preferred where one fits.
func Lint(c Check) []Warning {
	if s, ok := c.spec.(*commandSpec); ok && s.Why == "" {
		return []Warning{{File: c.File, Line: c.Line, Message: fmt.Sprintf(
			"command check %q: prefer a declarative kind (%s) when one fits; command checks depend on the host's shell",
			c.Subject, "container, exec, http, file, ...")}}
	}
	return nil
}
