package dockyard_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/dockyard"
	"github.com/dockyard-lab/dockyard/checker/reftest"
	"github.com/dockyard-lab/dockyard/content"
	"github.com/dockyard-lab/dockyard/lessons"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// BenchmarkFailingCourseChecks plays a student who runs `dockyard check`
// right after entering each step of the built-in course, before doing the
// step: every check of the course fails, on the real engine, in the state
// the step's setup leaves. It reports the wait per failing check (p50,
// p95, max); a failure on a settled state should answer at once.
//
// It needs root and the lesson images .ci/setup bakes into
// $DOCKYARD_TEST_ROOT; host ports 8080 and 5433 must be free. Run it once:
//
//	go test -tags seccomp -run '^$' -bench FailingCourseChecks -benchtime 1x ./checker/dockyard
func BenchmarkFailingCourseChecks(b *testing.B) {
	root := os.Getenv("DOCKYARD_TEST_ROOT")
	switch {
	case os.Geteuid() != 0:
		b.Skip("needs root")
	case root == "":
		b.Skip("needs $DOCKYARD_TEST_ROOT with the lesson images (.ci/setup --test-images)")
	}
	steps := courseSteps(b)
	bin := dockyardBinary(b)
	shim := b.TempDir()
	if err := os.Symlink(bin, filepath.Join(shim, "docker")); err != nil {
		b.Fatal(err)
	}
	e, err := engine.Open(context.Background(), engine.Options{Root: root})
	if err != nil {
		b.Fatal(err)
	}
	r := &reftest.Runner{Engine: dockyard.New(e), Lang: "en", Dir: b.TempDir(),
		Env: append(os.Environ(), "DOCKYARD_ROOT="+root, "XDG_STATE_HOME="+b.TempDir(),
			"PATH="+shim+":"+filepath.Dir(bin)+":"+os.Getenv("PATH"))}
	r.Root = root
	ctx := context.Background()
	var waits []time.Duration
	var silent int
	for b.Loop() {
		waits, silent = waits[:0], 0
		var lines []string
		for _, s := range steps {
			// The images a lesson requires are there in every step (an
			// earlier step's setup may have removed one, and no solution
			// ran to bring it back).
			if row := r.Prepare(ctx, s.Lesson, s.Images); !row.OK() {
				b.Fatalf("%s: %s", s.Lesson, row.Before.Detail)
			}
			rep, err := r.Failing(ctx, s, nil)
			if err != nil {
				b.Errorf("%s/%s: %v", s.Lesson, s.ID, err)
				continue
			}
			for _, t := range rep.Tests {
				if t.Status == checker.Pass {
					continue
				}
				d := time.Duration(t.DurationMS) * time.Millisecond
				waits = append(waits, d)
				if d > 3*time.Second && t.Waited == "" {
					silent++
				}
				line := fmt.Sprintf("%6dms  %-5s %s/%s %s: %s", t.DurationMS, t.Status, s.Lesson, s.ID, t.Name,
					strings.ReplaceAll(t.Message, "\n", " | "))
				if t.Waited != "" {
					line += " [" + t.Waited + "]"
				}
				lines = append(lines, line)
			}
		}
		// Slowest first: a benchmark's log is cut after a few lines.
		slices.SortFunc(lines, func(a, b string) int { return strings.Compare(b, a) })
		b.Logf("failing checks, slowest first:\n%s", strings.Join(lines, "\n"))
	}
	if len(waits) == 0 {
		b.Fatal("no failing check")
	}
	slices.Sort(waits)
	pct := func(p float64) float64 {
		return float64(waits[min(len(waits)-1, int(p*float64(len(waits))))].Milliseconds())
	}
	b.ReportMetric(float64(len(waits)), "checks")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(float64(waits[len(waits)-1].Milliseconds()), "max-ms")
	// Failing checks that kept the student over 3 s without saying why.
	b.ReportMetric(float64(silent), "silent-over-3s")
}

// courseSteps reads every step of the built-in course, in English.
func courseSteps(b *testing.B) []reftest.Step {
	c, err := lessons.Load(lessons.Source{FS: content.Lessons(), Name: "content/lessons"})
	if err != nil {
		b.Fatal(err)
	}
	var out []reftest.Step
	for _, id := range c.IDs() {
		l, err := c.Lesson(id, "en")
		if err != nil {
			b.Fatal(err)
		}
		for _, st := range l.Steps {
			s := reftest.Step{Lesson: id, ID: st.ID,
				Setup:   reftest.Script{Source: st.Setup.Source, File: l.File, Line: st.Setup.Line},
				Cleanup: reftest.Script{Source: st.Cleanup.Source, File: l.File, Line: st.Cleanup.Line},
				Images:  l.Requires.Images}
			for _, blk := range st.Checks {
				s.Checks = append(s.Checks, checker.Block{Source: blk.Source, File: blk.File, Line: blk.Line})
			}
			out = append(out, s)
		}
	}
	return out
}
