package guide

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/AlecAivazis/survey/v2/terminal"
	"github.com/creack/pty"

	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/lessons/progress"
	"github.com/dockyard-lab/dockyard/lessons/screen"
)

// ansi matches the escape sequences survey draws its menus with.
var ansi = regexp.MustCompile(`\x1b(\[[0-9;?]*[A-Za-z]|[78])`)

// TestCheckAsksWithTheQuestion answers a question at `dockyard check` on a
// real (pseudo) terminal 40 columns wide: the question and its choices are
// printed above the menu (the step's page has scrolled away by then), the
// menu's choices, too long for the terminal, are the short labels of their
// numbers rather than sentences cut with "…", and the line survey leaves
// once a choice is made fits the terminal.
func TestCheckAsksWithTheQuestion(t *testing.T) {
	const width = 40
	dir := t.TempDir()
	prog := filepath.Join(t.TempDir(), "progress.json")
	ctx := context.Background()
	var quiet bytes.Buffer
	g := newGuide(t, "en", dir, prog, &quiet)
	if err := g.Learn(ctx, "sample"); err != nil {
		t.Fatal(err)
	}
	if err := g.Goto(ctx, 2); err != nil {
		t.Fatal(err)
	}

	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if err := pty.Setsize(tty, &pty.Winsize{Rows: 24, Cols: width}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var screenOut bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			screenOut.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	seen := func(s string) bool {
		mu.Lock()
		defer mu.Unlock()
		return strings.Contains(ansi.ReplaceAllString(screenOut.String(), ""), s)
	}

	g, err = New(Options{Course: sampleCourse(t), Store: progress.Open(prog, progress.NoOwner), Lang: "en",
		Out: tty, ErrOut: tty, Checker: fakeChecker{}, Dir: dir, Env: os.Environ(), Width: width,
		Stdio: &terminal.Stdio{In: tty, Out: tty, Err: tty}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- g.Check(ctx) }()
	for deadline := time.Now().Add(10 * time.Second); !seen("? Question 1"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no menu on the terminal:\n%s", screenOut.String())
		}
	}
	io.WriteString(ptmx, "\x1b[B\r") // down to choice 2, enter
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Check = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Check did not return after the answer")
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	out := ansi.ReplaceAllString(screenOut.String(), "")
	mu.Unlock()

	question := strings.Index(out, "Question 1. What does")
	menu := strings.Index(out, "? Question 1")
	if question < 0 || menu < question {
		t.Errorf("the question is not printed above its menu:\n%s", out)
	}
	var answered string
	for _, line := range strings.Split(strings.ReplaceAll(out, "\r", "\n"), "\n") {
		if strings.HasPrefix(line, "? Question 1 Choice 2") {
			answered = line
		}
	}
	if answered == "" {
		t.Fatalf("no answered line on the terminal:\n%s", out)
	}
	if w := screen.Width(strings.TrimRight(answered, " ")); w >= width {
		t.Errorf("answered line %q is %d columns, want less than %d", answered, w, width)
	}
	if strings.Contains(out, "…") {
		t.Errorf("a choice is cut short on the terminal:\n%s", out)
	}
}

// TestQuizMenuFits: at 80 columns, in both languages (Korean is double
// width), a menu shows its choices in full when they all fit on one line,
// and otherwise the short labels of their numbers, never a sentence cut
// short. The full choices are printed above the menu.
func TestQuizMenuFits(t *testing.T) {
	const width = 80
	long := map[string][]string{
		"en": {"It copies the image's layers into the container's own directory before it starts.",
			"It mounts the image's read-only layers under one writable layer with overlayfs."},
		"ko": {"컨테이너를 시작하기 전에 이미지의 레이어를 컨테이너 디렉터리로 모두 복사해요.",
			"overlayfs로 이미지의 읽기 전용 레이어 위에 쓰기 가능한 레이어 하나를 얹어요."},
	}
	short := map[string][]string{
		"en": {"It compares two values.", "It sends the command's output into a file."},
		"ko": {"두 값을 비교해요.", "명령의 출력을 파일로 보내요."},
	}
	labels := map[string]string{"en": "Choice 2", "ko": "보기 2"}
	for _, lang := range []string{"en", "ko"} {
		g := newGuide(t, lang, t.TempDir(), filepath.Join(t.TempDir(), "progress.json"), &bytes.Buffer{})
		g.Width = width
		for _, multiple := range []bool{false, true} {
			room := width - 3 // "> " and the last column
			if multiple {
				room = width - 8 // "> [ ]  "
			}
			answer := lessons.Answer{Choices: []int{2}, Multiple: multiple}
			message, options := g.menu(&lessons.Quiz{ID: "q", Choices: long[lang], Answer: answer}, 1)
			for i, o := range options {
				if strings.Contains(o, "…") || screen.Width(o) > room ||
					screen.Width("? "+message+" "+o) >= width {
					t.Errorf("[%s multiple=%v] option %d %q does not fit %d columns", lang, multiple, i+1, o, width)
				}
			}
			if options[1] != labels[lang] {
				t.Errorf("[%s multiple=%v] long choice 2 shown as %q, want %q", lang, multiple, options[1], labels[lang])
			}
			_, options = g.menu(&lessons.Quiz{ID: "q", Choices: short[lang], Answer: answer}, 1)
			if want := "2. " + short[lang][1]; options[1] != want {
				t.Errorf("[%s multiple=%v] short choice 2 shown as %q, want %q", lang, multiple, options[1], want)
			}
		}
	}
}

// TestNoteFitsTheTerminal: the shell's greeting, one long sentence in the
// catalogs, is wrapped between words to fit an 80-column terminal instead
// of being cut mid-word by the terminal.
func TestNoteFitsTheTerminal(t *testing.T) {
	for _, lang := range []string{"en", "ko"} {
		var out bytes.Buffer
		g := newGuide(t, lang, t.TempDir(), filepath.Join(t.TempDir(), "progress.json"), &out)
		g.Width = 80
		g.Note("shell.welcome")
		g.Note("shell.api", "unix:///tmp/dockyard-bin-341429209/docker.sock")
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		if len(lines) < 3 {
			t.Errorf("[%s] Note printed %d lines, want the greeting wrapped:\n%s", lang, len(lines), out.String())
		}
		for _, l := range lines {
			if w := screen.Width(l); w > 80 {
				t.Errorf("[%s] line %q is %d columns, want at most 80", lang, l, w)
			}
		}
	}
}

// TestPartlyRightAnswer: an answer to a multiple choice question with some
// right choices is said to be partly right, with how many of the chosen are
// right and whether right ones are missing, in both languages; one with no
// right choice, or to a single choice question, is wrong.
func TestPartlyRightAnswer(t *testing.T) {
	multiple := &lessons.Quiz{ID: "q", Choices: []string{"a", "b", "c", "d"},
		Answer: lessons.Answer{Choices: []int{1, 3}, Multiple: true}}
	single := &lessons.Quiz{ID: "s", Choices: []string{"a", "b"}, Answer: lessons.Answer{Choices: []int{1}}}
	for _, tc := range []struct {
		q      *lessons.Quiz
		given  []int
		en, ko string
	}{
		{multiple, []int{1}, "✗ Partly right: every choice you picked is right, but right ones are missing. Try again.",
			"✗ 일부만 맞았어요: 고른 보기는 모두 맞지만 맞는 보기가 더 있어요. 다시 골라 보세요."},
		{multiple, []int{3, 1, 2}, "✗ Partly right: you got 2 of the 3 choices you picked right; the others are wrong. Try again.",
			"✗ 일부만 맞았어요: 고른 3개 중 2개가 맞고 나머지는 틀렸어요. 다시 골라 보세요."},
		{multiple, []int{2, 3, 4}, "✗ Partly right: you got 1 of the 3 choices you picked right, and right ones are missing. Try again.",
			"✗ 일부만 맞았어요: 고른 3개 중 1개가 맞고, 맞는 보기가 더 있어요. 다시 골라 보세요."},
		{multiple, []int{2, 4}, "✗ That is not right. Try again.", "✗ 틀렸어요. 다시 골라 보세요."},
		{single, []int{2}, "✗ That is not right. Try again.", "✗ 틀렸어요. 다시 골라 보세요."},
	} {
		for lang, want := range map[string]string{"en": tc.en, "ko": tc.ko} {
			var out bytes.Buffer
			g := newGuide(t, lang, t.TempDir(), filepath.Join(t.TempDir(), "progress.json"), &out)
			g.wrongAnswer(tc.q, tc.given)
			if got := strings.TrimSuffix(out.String(), "\n"); got != want {
				t.Errorf("[%s] answer %v to %s: %q, want %q", lang, tc.given, tc.q.ID, got, want)
			}
		}
	}
}
