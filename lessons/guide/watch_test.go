package guide

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/lessons/progress"
)

// hookChecker lets the test act, as a student in another terminal would,
// whenever a check of a step fails.
type hookChecker struct {
	onFail func(step string)
}

func (h hookChecker) Check(ctx context.Context, req CheckRequest) (Report, error) {
	rep, err := fakeChecker{}.Check(ctx, req)
	if err == nil && rep.Status != Pass {
		h.onFail(req.Step.ID)
	}
	return rep, err
}

// TestWatch leaves the student's work to the "other terminal" (the hook)
// and expects watch mode to notice each step passing, move on, and stop
// when the lesson is done: on the interval, or, with an interval of an
// hour, because Changed reports a change.
func TestWatch(t *testing.T) {
	t.Run("interval", func(t *testing.T) { testWatch(t, time.Millisecond, nil) })
	t.Run("changed", func(t *testing.T) { testWatch(t, time.Hour, func() bool { return true }) })
}

func testWatch(t *testing.T, interval time.Duration, changed func() bool) {
	dir := t.TempDir()
	prog := filepath.Join(t.TempDir(), "progress.json")
	var out bytes.Buffer
	hook := hookChecker{onFail: func(step string) {
		switch step {
		case "write-file":
			if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644); err != nil {
				t.Error(err)
			}
		case "question":
			// Another dockyard process records the answer.
			other := newGuide(t, "en", dir, prog, &bytes.Buffer{})
			if err := other.Answer("sample-redirect", []int{2}); err != nil {
				t.Error(err)
			}
		}
	}}
	g := newGuide(t, "en", dir, prog, &out)
	g.Checker = hook
	g.Changed = changed
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a safety net, not an assertion
	defer cancel()
	if err := g.Watch(ctx, "sample", interval); err != nil {
		t.Fatal(err)
	}
	// Each step is shown once, the end of the lesson said once.
	for _, once := range []string{"Step 1/2", "Step 2/2", "Step 1 passed", "Step 2 passed", "You finished the lesson"} {
		if n := strings.Count(out.String(), once); n != 1 {
			t.Errorf("watch output shows %q %d times, want once:\n%s", once, n, out.String())
		}
	}
	for _, want := range []string{
		"Watching: checking this step every " + interval.String(),
		"✗ command grep -qx hello hello.txt",
		"✓ Step 1 passed: Write a file",
		"✗ quiz sample-redirect",
		"✓ Step 2 passed: A question",
		`You finished the lesson "A sample lesson" (2/2 steps).`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("watch output lacks %q:\n%s", want, out.String())
		}
	}
	p, _, err := progress.Open(prog, progress.NoOwner).Load()
	if err != nil {
		t.Fatal(err)
	}
	if l := p.Lessons["sample"]; !l.IsDone("write-file") || !l.IsDone("question") {
		t.Errorf("progress after watch = %+v, want both steps done", l)
	}
}
