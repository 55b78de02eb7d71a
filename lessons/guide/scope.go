package guide

import (
	"context"
	"errors"
	"io/fs"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/scope"
)

// recordScope records the step the student is on in the engine's state
// root (sandbox/scope), or that no lesson is active, so that the engine
// labels what is created in the step whichever terminal or front end asks.
// The time the step was entered is kept while the student stays on it,
// unless entered says they (re)entered it now.
func (g *Guide) recordScope(entered bool) {
	if g.Root == "" {
		return
	}
	want := g.activeScope()
	var err error
	if want.Lesson == "" {
		err = scope.Clear(g.Root)
	} else if have := scope.Read(g.Root); entered || have.StepID() != want.StepID() {
		want.Entered = time.Now().UTC()
		err = scope.Write(g.Root, want)
	}
	// A student who may not write the engine's root cannot use the engine
	// either: there is nothing to label.
	if err != nil && !errors.Is(err, fs.ErrPermission) {
		g.Note("scope.failed", err)
	}
}

// markSetup records whether the active step's setup block is running, so
// that the engine labels what the setup makes (scope.SetupLabel) apart
// from what the student makes in the step.
func (g *Guide) markSetup(on bool) {
	if g.Root == "" {
		return
	}
	s := scope.Read(g.Root)
	if s.Lesson == "" || s.Setup == on {
		return
	}
	s.Setup = on
	if err := scope.Write(g.Root, s); err != nil && !errors.Is(err, fs.ErrPermission) {
		g.Note("scope.failed", err)
	}
}

// activeScope is the lesson step the student is on; empty when no lesson
// is started, or the current one is finished (every step done and the
// student still on its last).
func (g *Guide) activeScope() scope.Scope {
	id := g.p.Current
	lp := g.lessonProgress(id)
	if id == "" || lp == nil || lp.Current == "" {
		return scope.Scope{}
	}
	if l, err := g.outline(id); err == nil && len(l.Steps) > 0 &&
		g.doneCount(l) == len(l.Steps) && lp.Current == l.Steps[len(l.Steps)-1].ID {
		return scope.Scope{}
	}
	return scope.Scope{Lesson: id, Step: lp.Current}
}

// removeMade removes what the engine created with label key=value; a
// failure is reported and the reset goes on.
func (g *Guide) removeMade(ctx context.Context, key, value string) {
	if g.RemoveMade == nil {
		return
	}
	if err := g.RemoveMade(ctx, key, value); err != nil {
		g.Note("reset.remove-failed", err)
	}
}
