package learn_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestScreens reads a lesson made for it (testdata/screens/course) in a
// real terminal (tmux) 80 and 140 columns wide, in English and Korean, and
// compares what the student sees with testdata/screens/*.golden (-update
// rewrites them): a step with a command longer than the terminal and a
// table, a failing check with a long message, watch mode passing the step,
// and a quiz's menu. The screens show the terminal's text as it wraps:
// prose at the terminal's width (at most 100 columns), the long command
// whole on one line, table cells wrapped in their columns, list items
// indented under their text, Korean measured two columns a syllable.
func TestScreens(t *testing.T) {
	bin := buildDockyard(t)
	course, err := filepath.Abs(filepath.Join("testdata", "screens", "course"))
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "ko"} {
		for _, cols := range []int{80, 140} {
			t.Run(fmt.Sprintf("%s-%d", lang, cols), func(t *testing.T) {
				dir, err := os.MkdirTemp("/tmp", "dy-screens")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.RemoveAll(dir) })
				work, state := filepath.Join(dir, "home"), filepath.Join(dir, "state")
				for _, d := range []string{work, state} {
					if err := os.MkdirAll(d, 0o755); err != nil {
						t.Fatal(err)
					}
				}
				tm := newTermSize(t, work, []string{
					"HOME=" + work, "HISTFILE=/dev/null", "TERM=xterm-256color", "PS1=$ ", "LANG=C.UTF-8",
					"PATH=" + filepath.Dir(bin) + ":/usr/local/bin:/usr/bin:/bin",
					"XDG_STATE_HOME=" + state, "DOCKYARD_ROOT=" + filepath.Join(dir, "root"),
					"DOCKYARD_LESSONS=" + course, "DOCKYARD_LANG=" + lang,
				}, cols, 60)
				capture := func(label, line, screen string) {
					t.Helper()
					screenGolden(t, fmt.Sprintf("%s-%d-%s", lang, cols, label), "$ "+line+"\n"+screen, dir, filepath.Dir(bin))
				}
				do := func(line string, texts ...string) string {
					t.Helper()
					tm.run(line)
					tm.wait(texts...)
					return tm.waitPrompt(20 * time.Second)
				}
				title := map[string]string{"en": "A long command", "ko": "긴 명령"}[lang]
				capture("step", "dockyard learn wide", do("dockyard learn wide", title, "web-server-one"))
				capture("check-fail", "dockyard check", do("dockyard check", "ready.txt"))

				// Watch mode: the failure, then the step passes when the
				// file appears and the next one is shown.
				tm.run("dockyard learn --watch --interval 1s")
				tm.wait("test -f ready.txt")
				if err := os.WriteFile(filepath.Join(work, "ready.txt"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				next := map[string]string{"en": "lists them all", "ko": "멈춘 것까지"}[lang]
				tm.wait(next, "test -f done.txt")
				capture("watch", "dockyard learn --watch --interval 1s", tm.settle())
				tm.keys("C-c")
				tm.waitPrompt(20 * time.Second)

				// The quiz's menu renders its inline code: no backticks.
				tm.run("dockyard step 3")
				s := tm.waitPromptOrMenu()
				if !strings.Contains(s, "> 1.") {
					tm.run("dockyard check")
					tm.wait("> 1.")
					s = tm.settle()
				}
				if strings.Contains(s, "`") {
					t.Errorf("the quiz shows raw backticks:\n%s", s)
				}
				capture("quiz", "dockyard step 3", s)
				tm.keys("C-c")
				tm.waitPrompt(20 * time.Second)

				// At dockyard check the step's page is long gone: the
				// question is printed above its menu.
				tm.run("dockyard check")
				tm.wait("> 1.")
				s = tm.settle()
				question := map[string]string{"en": "What does {{.State.Status}} print", "ko": "{{.State.Status}} 는 무엇을 출력할까요?"}[lang]
				if !strings.Contains(s, question) {
					t.Errorf("the quiz's menu at dockyard check does not show its question %q:\n%s", question, s)
				}
				capture("quiz-at-check", "dockyard check", s)
				tm.keys("C-c")
				tm.waitPrompt(20 * time.Second)
			})
		}
	}
}

// waitPromptOrMenu waits until the shell's prompt is back or a menu shows.
func (tm *term) waitPromptOrMenu() string {
	tm.t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		s := tm.screen()
		if strings.Contains(s, "> 1.") {
			return tm.settle()
		}
		if t := strings.TrimRight(s, " \n"); strings.HasSuffix(t, "\n$") {
			return s
		}
	}
	tm.t.Fatalf("neither a prompt nor a menu came; the screen shows:\n%s", tm.screen())
	return ""
}

// screenGolden compares a normalised screen with testdata/screens/name.golden
// (or writes it there with -update).
func screenGolden(t *testing.T, name, screen string, paths ...string) {
	t.Helper()
	got := normalise(screen, paths...)
	file := filepath.Join("testdata", "screens", name+".golden")
	if *update {
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		t.Errorf("no golden screen %s (run the test with -update); the screen is:\n%s", file, got)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != got {
		t.Errorf("screen %s differs from its golden file (-update rewrites it)\n--- want\n%s\n--- got\n%s\n--- first difference: %s", name, want, got, firstDiff(string(want), got))
	}
}
