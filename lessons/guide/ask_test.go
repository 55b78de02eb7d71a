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

	"github.com/dockyard-lab/dockyard/lessons/progress"
	"github.com/dockyard-lab/dockyard/lessons/screen"
)

// ansi matches the escape sequences survey draws its menus with.
var ansi = regexp.MustCompile(`\x1b(\[[0-9;?]*[A-Za-z]|[78])`)

// TestCheckAsksWithTheQuestion answers a question at `dockyard check` on a
// real (pseudo) terminal 40 columns wide: the question and its choices are
// printed above the menu (the step's page has scrolled away by then), and
// the line survey leaves once a choice is made fits the terminal.
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
		if strings.HasPrefix(line, "? Question 1 2.") {
			answered = line
		}
	}
	if answered == "" {
		t.Fatalf("no answered line on the terminal:\n%s", out)
	}
	if w := screen.Width(strings.TrimRight(answered, " ")); w >= width {
		t.Errorf("answered line %q is %d columns, want less than %d", answered, w, width)
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
