package guide

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/progress"
	"github.com/dockyard-lab/dockyard/sandbox/scope"
)

// The guide records the step the student is on in the engine's root, for
// the engine to label what is made in it, and clears it when the lesson is
// finished; reset removes what the step (or the lesson) made by that label.
func TestScopeFollowsTheStudent(t *testing.T) {
	ctx := context.Background()
	dir, root := t.TempDir(), t.TempDir()
	prog := filepath.Join(t.TempDir(), "progress.json")
	var removed []string
	open := func() *Guide {
		g := newGuide(t, "en", dir, prog, &bytes.Buffer{})
		g.Root = root
		g.RemoveMade = func(_ context.Context, key, value string) error {
			removed = append(removed, key+"="+value)
			return nil
		}
		return g
	}
	at := func(want string) {
		t.Helper()
		if got := scope.Read(root).StepID(); got != want {
			t.Errorf("recorded step = %q, want %q", got, want)
		}
	}
	if err := open().Learn(ctx, "sample"); err != nil {
		t.Fatal(err)
	}
	at("sample/write-file")
	// Cleared behind the guide's back: a check, even a failing one,
	// records the step again.
	if err := scope.Clear(root); err != nil {
		t.Fatal(err)
	}
	if err := open().Check(ctx); !errors.Is(err, ErrNotPassed) {
		t.Fatalf("Check = %v, want not passed", err)
	}
	at("sample/write-file")
	entered := scope.Read(root).Entered
	if err := open().Hint(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scope.Read(root).Entered; !got.Equal(entered) {
		t.Errorf("a hint moved the time the step was entered from %v to %v", entered, got)
	}

	if err := open().Reset(ctx, ScopeStep); err != nil {
		t.Fatal(err)
	}
	if want := []string{"dockyard.step=sample/write-file"}; strings.Join(removed, " ") != strings.Join(want, " ") {
		t.Errorf("reset --step removed %q, want %q", removed, want)
	}
	at("sample/write-file")

	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := open().Check(ctx); err != nil {
		t.Fatal(err)
	}
	at("sample/question")
	if err := open().Answer("sample-redirect", []int{2}); err != nil {
		t.Fatal(err)
	}
	if err := open().Check(ctx); err != nil {
		t.Fatal(err)
	}
	at("/") // the lesson is finished: no lesson is active
	if err := open().Prev(ctx); err != nil {
		t.Fatal(err)
	}
	at("sample/write-file")

	removed = nil
	if err := open().Reset(ctx, ScopeLesson); err != nil {
		t.Fatal(err)
	}
	if want := []string{"dockyard.lesson=sample"}; strings.Join(removed, " ") != strings.Join(want, " ") {
		t.Errorf("reset --lesson removed %q, want %q", removed, want)
	}
	if err := open().Reset(ctx, ScopeAll); err != nil {
		t.Fatal(err)
	}
	at("/")
}

// A solution that does not fit the engine's state (the student went
// another way) says to reset the step, in the student's language, with no
// lesson file path and no shell's exit status.
func TestSolveOffPath(t *testing.T) {
	for lang, want := range map[string]string{"en": "dockyard reset --step", "ko": "dockyard reset --step`으로"} {
		t.Run(lang, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			prog := filepath.Join(t.TempDir(), "progress.json")
			var out bytes.Buffer
			if err := newGuide(t, lang, dir, prog, &out).Learn(ctx, "sample"); err != nil {
				t.Fatal(err)
			}
			// Off the path: hello.txt is a folder, so `echo hello >
			// hello.txt` cannot write it.
			if err := os.Mkdir(filepath.Join(dir, "hello.txt"), 0o755); err != nil {
				t.Fatal(err)
			}
			out.Reset()
			err := newGuide(t, lang, dir, prog, &out).Solve(ctx)
			var u *ErrUsage
			if !errors.As(err, &u) {
				t.Fatalf("Solve() = %v, want a message for the student", err)
			}
			if !strings.Contains(u.Message, want) {
				t.Errorf("Solve() = %q, want it to say %q", u.Message, want)
			}
			for _, leak := range []string{"lesson.", ".md", "exit status", "bash"} {
				if strings.Contains(u.Message, leak) {
					t.Errorf("Solve() = %q, shows %q", u.Message, leak)
				}
			}

			// hint shows where the student stands and how to start again.
			out.Reset()
			if err := newGuide(t, lang, dir, prog, &out).Hint(ctx); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "✗ command grep -qx hello hello.txt") || !strings.Contains(out.String(), "dockyard reset --step") {
				t.Errorf("hint off the path shows:\n%s\nwant the failing check and dockyard reset --step", out.String())
			}
		})
	}
}

// A step's setup runs with the scope marked as setup, so that the engine
// labels what it makes apart from what the student makes; the mark is gone
// once the setup has run.
func TestSetupIsMarked(t *testing.T) {
	ctx := context.Background()
	dir, root := t.TempDir(), t.TempDir()
	lesson := "---\nid: setup\ntitle: Setup\nsummary: One step with a setup.\norder: 1\nminutes: 1\n---\n\n" +
		"## Look {#look}\n\nLook.\n\n```setup\ncp " + filepath.Join(root, scope.FileName) + " during-setup.json\n```\n\n" +
		"```check\ncommand: true\n```\n"
	c, err := lessons.Load(lessons.Source{FS: fstest.MapFS{"setup/lesson.en.md": {Data: []byte(lesson)}}, Name: "mem"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	g, err := New(Options{Course: c, Store: progress.Open(filepath.Join(t.TempDir(), "progress.json"), progress.NoOwner),
		Lang: "en", Out: &out, ErrOut: &out, Checker: fakeChecker{}, Dir: dir, Env: os.Environ(), Width: 72, Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Learn(ctx, "setup"); err != nil {
		t.Fatalf("Learn: %v\n%s", err, out.String())
	}
	var during scope.Scope
	data, err := os.ReadFile(filepath.Join(dir, "during-setup.json"))
	if err == nil {
		err = json.Unmarshal(data, &during)
	}
	if err != nil || during.StepID() != "setup/look" || !during.Setup {
		t.Errorf("scope during the setup = %+v (%v), want setup/look marked as setup", during, err)
	}
	if got := scope.Read(root); got.StepID() != "setup/look" || got.Setup {
		t.Errorf("scope after the setup = %+v, want setup/look, no longer marked", got)
	}
}
