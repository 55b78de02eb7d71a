// Package lessons is the model of a Dockyard lesson and everything that reads
// one: parsing the Markdown files (goldmark, YAML front matter, step ids as
// heading attributes), loading a course from a folder or the embedded
// content, and linting it. The format is documented in docs/authoring.md.
//
// Check blocks are kept as raw YAML with their file and line; the checker
// package parses and evaluates them, so this package never imports it.
package lessons

// Languages are the languages every lesson is written in, in the order the
// course prefers them.
var Languages = []string{"en", "ko"}

// Lesson is one lesson in one language.
type Lesson struct {
	Meta
	// Lang is the language of this file ("en", "ko"), from its name.
	Lang string
	// File is the path the lesson was read from, as shown in messages.
	File string
	// Intro is the Markdown before the first step.
	Intro string
	// Steps are the lesson's `##` sections, in order.
	Steps []*Step

	// fields are the front matter fields given, nil when the front matter
	// is missing or broken (lint then reports that, not each field).
	fields map[string]bool
	// badFields are the fields given whose value could not be read: lint
	// reports them here and compares them with no other language.
	badFields map[string]bool
}

// Meta is a lesson's front matter.
type Meta struct {
	ID       string   `yaml:"id"`
	Title    string   `yaml:"title"`
	Summary  string   `yaml:"summary"`
	Order    int      `yaml:"order"`
	Requires Requires `yaml:"requires"`
	// Minutes is the estimated time to do the lesson.
	Minutes int `yaml:"minutes"`
}

// Requires lists what a lesson needs before it starts.
type Requires struct {
	// Lessons are ids of lessons to do first.
	Lessons []string `yaml:"lessons"`
	// Images are the images the lesson uses (baked by `dockyard images prepare`).
	Images []string `yaml:"images"`
	// Ports are host ports the lesson publishes; `dockyard doctor` checks they are free.
	Ports []int `yaml:"ports"`
}

// Step is one `##` section of a lesson.
type Step struct {
	// ID is the stable id from the heading attribute `{#id}`.
	ID string
	// Title is the heading text.
	Title string
	// Line is the heading's line in the file.
	Line int
	// Body is the Markdown shown to the student: the prose and `sh` blocks,
	// without the blocks below.
	Body string
	// Hints are revealed one at a time, in order (Markdown).
	Hints []string
	// Quizzes are the step's questions.
	Quizzes []*Quiz
	// Checks are the raw `check` blocks; all must pass.
	Checks []CheckBlock
	// Setup runs before the step starts, Solution is the reference
	// solution, Cleanup undoes the step. Each may be empty.
	Setup, Solution, Cleanup Script
}

// CheckBlock is one fenced `check` block as written: its YAML source, the
// file it is in and the line of its opening fence, so that a YAML node on
// line n of Source is on line Line+n of File (the checker's Block).
type CheckBlock struct {
	Source string
	File   string
	Line   int
}

// Script is a fenced shell block (setup, solution or cleanup).
type Script struct {
	Source string
	// Line is the line of the script's first command in the lesson file.
	Line int
}

// Empty reports whether the script has nothing to run.
func (s Script) Empty() bool { return s.Source == "" }

// Quiz is a single- or multiple-choice question.
type Quiz struct {
	ID       string   `yaml:"id"`
	Question string   `yaml:"question"`
	Choices  []string `yaml:"choices"`
	// Answer holds the right choices, 1-based. In YAML it is a number for a
	// single-choice question or a list for a multiple-choice one.
	Answer Answer `yaml:"answer"`
	// Explanation, optional, says why the answer is right; a student who
	// chose wrongly reads it before answering again.
	Explanation string `yaml:"explanation"`
	// Line is the line of the quiz block's first YAML line.
	Line int `yaml:"-"`
}

// Multiple reports whether the question takes several choices.
func (q *Quiz) Multiple() bool { return q.Answer.Multiple }

// Correct reports whether the given 1-based choices are exactly the answer.
func (q *Quiz) Correct(given []int) bool {
	want := map[int]bool{}
	for _, c := range q.Answer.Choices {
		want[c] = true
	}
	got := map[int]bool{}
	for _, c := range given {
		got[c] = true
	}
	if len(got) != len(want) {
		return false
	}
	for c := range got {
		if !want[c] {
			return false
		}
	}
	return true
}

// Mark counts, for the given 1-based choices, those that are right, those
// that are not (extra) and the right ones not given (missing); a choice
// given twice counts once. It lets a partly right answer to a multiple
// choice question be told apart from a wrong one without naming choices.
func (q *Quiz) Mark(given []int) (right, extra, missing int) {
	want := map[int]bool{}
	for _, c := range q.Answer.Choices {
		want[c] = true
	}
	seen := map[int]bool{}
	for _, c := range given {
		if seen[c] {
			continue
		}
		seen[c] = true
		if want[c] {
			right++
		} else {
			extra++
		}
	}
	return right, extra, len(want) - right
}

// Step returns the step with the given id, or nil.
func (l *Lesson) Step(id string) *Step {
	for _, s := range l.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// StepIndex returns the 0-based position of the step with the given id, or -1.
func (l *Lesson) StepIndex(id string) int {
	for i, s := range l.Steps {
		if s.ID == id {
			return i
		}
	}
	return -1
}
