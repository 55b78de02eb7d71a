package guide

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/lessons/progress"
	"github.com/dockyard-lab/dockyard/lessons/screen"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// fakeChecker evaluates the two kinds the sample lesson uses, `command`
// (bash in the student's folder) and `quiz`, the way the real checker
// does; the real one is exercised by cmd/learn's end-to-end test.
type fakeChecker struct{}

func (fakeChecker) Check(ctx context.Context, req CheckRequest) (Report, error) {
	rep := Report{Status: Pass}
	for _, b := range req.Step.Checks {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(b.Source), &m); err != nil {
			return rep, err
		}
		res := Result{Status: Pass}
		switch {
		case m["command"] != nil:
			res.Name = fmt.Sprint("command ", m["command"])
			cmd := exec.CommandContext(ctx, "bash", "-c", fmt.Sprint(m["command"]))
			cmd.Dir = req.Dir
			if cmd.Run() != nil {
				res.Status, res.Message = Fail, fmt.Sprintf("exit code 1, expected 0 (%s)", m["hint"])
			}
		case m["quiz"] != nil:
			id := fmt.Sprint(m["quiz"])
			res.Name = "quiz " + id
			answered, correct, err := req.Quizzes.QuizAnswer(id)
			switch {
			case err != nil:
				res.Status, res.Message = Error, err.Error()
			case !answered:
				res.Status, res.Message = Fail, "not answered"
			case !correct:
				res.Status, res.Message = Fail, "wrong answer"
			}
		}
		if res.Status != Pass && rep.Status != Error {
			rep.Status = res.Status
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

func sampleCourse(t *testing.T) *lessons.Course {
	t.Helper()
	c, err := lessons.Load(lessons.Source{FS: os.DirFS("../testdata/course"), Name: "testdata/course"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newGuide(t *testing.T, lang, dir, progressPath string, out *bytes.Buffer) *Guide {
	t.Helper()
	g, err := New(Options{Course: sampleCourse(t), Store: progress.Open(progressPath, progress.NoOwner), Lang: lang,
		Out: out, ErrOut: out, Checker: fakeChecker{}, Dir: dir, Env: os.Environ(), Width: 72})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestLoop walks the sample lesson without a terminal, as a script would,
// in both languages, and compares the whole transcript with a golden file.
func TestLoop(t *testing.T) {
	for _, lang := range []string{"en", "ko"} {
		t.Run(lang, func(t *testing.T) {
			dir := t.TempDir()
			prog := filepath.Join(t.TempDir(), "progress.json")
			var out bytes.Buffer
			ctx := context.Background()
			step := func(name string, fn func(g *Guide) error, wantErr error) {
				fmt.Fprintf(&out, "$ dockyard %s\n", name)
				g := newGuide(t, lang, dir, prog, &out)
				err := fn(g)
				if err != nil {
					fmt.Fprintf(&out, "error: %v\n", err)
				}
				if !errors.Is(err, wantErr) && !(wantErr == errUsage && isUsage(err)) {
					t.Fatalf("dockyard %s: error = %v, want %v", name, err, wantErr)
				}
				fmt.Fprintln(&out)
			}
			step("learn", func(g *Guide) error { return g.Learn(ctx, "") }, nil)
			step("check", func(g *Guide) error { return g.Check(ctx) }, errUsage)
			step("learn sample", func(g *Guide) error { return g.Learn(ctx, "sample") }, nil)
			step("check", func(g *Guide) error { return g.Check(ctx) }, ErrNotPassed)
			step("hint", func(g *Guide) error { return g.Hint(ctx) }, nil)
			step("hint", func(g *Guide) error { return g.Hint(ctx) }, nil)
			step("hint", func(g *Guide) error { return g.Hint(ctx) }, nil)
			if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			step("check", func(g *Guide) error { return g.Check(ctx) }, nil)
			step("answer sample-redirect 1", func(g *Guide) error { return g.Answer("sample-redirect", []int{1}) }, nil)
			step("check", func(g *Guide) error { return g.Check(ctx) }, ErrNotPassed)
			step("answer sample-redirect 5", func(g *Guide) error { return g.Answer("sample-redirect", []int{5}) }, errUsage)
			step("answer sample-redirect 2", func(g *Guide) error { return g.Answer("sample-redirect", []int{2}) }, nil)
			step("check", func(g *Guide) error { return g.Check(ctx) }, nil)
			step("progress", func(g *Guide) error { return g.ShowProgress() }, nil)
			step("prev", func(g *Guide) error { return g.Prev(ctx) }, nil)
			step("step 3", func(g *Guide) error { return g.Goto(ctx, 3) }, errUsage)
			step("reset --lesson", func(g *Guide) error { return g.Reset(ctx, ScopeLesson) }, nil)
			if _, err := os.Stat(filepath.Join(dir, "hello.txt")); !os.IsNotExist(err) {
				t.Errorf("hello.txt still exists after reset --lesson (cleanup did not run): %v", err)
			}
			step("progress", func(g *Guide) error { return g.ShowProgress() }, nil)
			got := strings.ReplaceAll(out.String(), prog, "<progress>")
			golden(t, filepath.Join("testdata", "loop."+lang+".golden"), got)
		})
	}
}

var errUsage = errors.New("usage error")

func isUsage(err error) bool {
	var u *ErrUsage
	return errors.As(err, &u)
}

// TestRenderStep renders the sample's steps plain and in colour, in both
// languages, against golden files.
func TestRenderStep(t *testing.T) {
	c := sampleCourse(t)
	for _, lang := range []string{"en", "ko"} {
		for _, color := range []bool{false, true} {
			name := fmt.Sprintf("step.%s.%s.golden", lang, map[bool]string{false: "plain", true: "color"}[color])
			t.Run(name, func(t *testing.T) {
				g := &Guide{Options: Options{Course: c, Lang: lang, Color: color, Width: 72}, p: progress.New()}
				g.t = i18n.For(lang)
				l, err := c.Lesson("sample", lang)
				if err != nil {
					t.Fatal(err)
				}
				var got strings.Builder
				for i := range l.Steps {
					got.WriteString(screen.Render(g.StepMarkdown(l, i, i == 0), screen.Options{Width: 72, Color: color}))
				}
				golden(t, filepath.Join("testdata", name), got.String())
			})
		}
	}
}

func golden(t *testing.T, file, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", file, got, want)
	}
}

// TestNoteWrapsKorean: the shell's welcome is wider than an 80-column
// terminal in Korean; Note wraps it at spaces, so no line is wider than
// the terminal and a command in backticks keeps its particle
// ("`dockyard check`로"), where the terminal's own wrap split them.
func TestNoteWrapsKorean(t *testing.T) {
	var out bytes.Buffer
	g, err := New(Options{Course: sampleCourse(t), Store: progress.Open(filepath.Join(t.TempDir(), "p.json"), progress.NoOwner),
		Lang: "ko", Out: &out, ErrOut: &out, Checker: fakeChecker{}, Width: 80})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  string
		args []any
	}{{"shell.welcome", nil}, {"lang.note", nil}, {"lesson.requires", []any{"네트워크", "networks"}}} {
		key := tc.key
		out.Reset()
		g.Note(key, tc.args...)
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) < 2 {
			t.Errorf("Note(%q) = %q, want it wrapped (the message is wider than 80 columns)", key, out.String())
		}
		for _, line := range lines {
			if w := screen.Width(line); w > 80 {
				t.Errorf("Note(%q) line %q is %d columns, want at most 80", key, line, w)
			}
			if strings.HasPrefix(line, "로") || strings.HasPrefix(line, "를") {
				t.Errorf("Note(%q) line %q starts with a particle cut from its word", key, line)
			}
		}
		if want := g.T(key, tc.args...); strings.Join(strings.Fields(out.String()), " ") != strings.Join(strings.Fields(want), " ") {
			t.Errorf("Note(%q) = %q, want the words of %q", key, out.String(), want)
		}
	}
}
