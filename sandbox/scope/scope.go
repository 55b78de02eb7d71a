// Package scope records which lesson step a student is on, in the engine's
// state root, so that every object the engine creates while a lesson is
// active (containers, networks, volumes, built images) can carry the step in
// its labels, whichever front end created it: `dockyard docker` in any
// terminal, the real docker CLI through `dockyard serve`, or Compose.
//
// The guided loop (cmd/learn) writes the file when the student enters a
// step and clears it when no lesson is active; `author test` writes it
// before each step's reference solution. The engine only reads it. Keeping
// it in the state root (not in the student's progress file) lets the engine,
// which must not import the lessons, find it without knowing who the
// student is.
package scope

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/google/renameio/v2"
)

// Labels the engine adds to what it creates while a step is active.
const (
	// LessonLabel holds the lesson's id, e.g. "containers".
	LessonLabel = "dockyard.lesson"
	// StepLabel holds "<lesson>/<step>", e.g. "containers/first-run", so
	// that one label says exactly which step made the object.
	StepLabel = "dockyard.step"
	// SetupLabel holds "<lesson>/<step>" on what the step's own setup
	// block made (the state earlier steps would have left), so that a
	// check can tell it from what the student made in the step.
	SetupLabel = "dockyard.setup"
)

// FileName is the file in the state root that holds the active step.
const FileName = "lesson-scope.json"

// Scope is the active lesson step.
type Scope struct {
	Lesson string `json:"lesson"`
	Step   string `json:"step"`
	// Entered is when the student entered the step: checks that read a
	// record (a VM run, a comparison) accept only records made after it.
	Entered time.Time `json:"entered"`
	// Setup is true while the step's setup block runs.
	Setup bool `json:"setup,omitempty"`
}

// StepID is the value of StepLabel for s.
func (s Scope) StepID() string { return s.Lesson + "/" + s.Step }

// Labels are the labels to add to an object created in s (with
// SetupLabel while its setup runs); nil when s is empty.
func (s Scope) Labels() map[string]string {
	if s.Lesson == "" || s.Step == "" {
		return nil
	}
	l := map[string]string{LessonLabel: s.Lesson, StepLabel: s.StepID()}
	if s.Setup {
		l[SetupLabel] = s.StepID()
	}
	return l
}

// Apply adds s's labels to labels (allocating it when nil) without
// overriding a label the user set, and returns it.
func (s Scope) Apply(labels map[string]string) map[string]string {
	add := s.Labels()
	if len(add) == 0 {
		return labels
	}
	if labels == nil {
		labels = make(map[string]string, len(add))
	}
	for k, v := range add {
		if _, set := labels[k]; !set {
			labels[k] = v
		}
	}
	return labels
}

// Read returns the active step recorded in root, or the zero Scope when no
// lesson is active. A damaged file counts as no active lesson: labels are a
// help for reset and checks, never a reason to refuse to create a container.
func Read(root string) Scope {
	b, err := os.ReadFile(filepath.Join(root, FileName))
	if err != nil {
		return Scope{}
	}
	var s Scope
	if json.Unmarshal(b, &s) != nil {
		return Scope{}
	}
	return s
}

// Write records s as the active step in root, atomically.
func Write(root string, s Scope) error {
	if s.Lesson == "" || s.Step == "" {
		return errors.New("scope: a lesson and a step are needed")
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return fmt.Errorf("record the active step: %w", err)
	}
	if err := renameio.WriteFile(filepath.Join(root, FileName), b, 0o644); err != nil {
		return fmt.Errorf("record the active step: %w", err)
	}
	return nil
}

// Clear records that no lesson is active.
func Clear(root string) error {
	err := os.Remove(filepath.Join(root, FileName))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("clear the active step: %w", err)
	}
	return nil
}
