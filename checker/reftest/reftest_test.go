package reftest_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/checkertest"
	"github.com/dockyard-lab/dockyard/checker/fake"
	"github.com/dockyard-lab/dockyard/checker/reftest"
	"github.com/dockyard-lab/dockyard/sandbox/scope"
)

func script(src string) reftest.Script {
	return reftest.Script{Source: src, File: "lesson.en.md", Line: 10}
}

func checks(srcs ...string) []checker.Block {
	var out []checker.Block
	for i, s := range srcs {
		out = append(out, checker.Block{Source: s, File: "lesson.en.md", Line: 20 + 5*i})
	}
	return out
}

// TestRunner runs reference solutions with `docker` meaning a private
// podman, and shows what each kind of broken step reports.
func TestRunner(t *testing.T) {
	p := checkertest.StartPodman(t)
	img := checkertest.TestImage
	r := &reftest.Runner{Engine: p.Engine(), Lang: "en", Dir: t.TempDir(),
		Env: append(p.Env(), "PATH="+p.DockerShim(t)+":"+os.Getenv("PATH"))}
	run := "docker run -d --stop-signal KILL --name rt-web " + img + " httpd -f -p 80 -h /www"
	tests := []struct {
		name                   string
		step                   reftest.Step
		before, after, cleanup string // "ok" or a piece of the detail
	}{
		{"good step", reftest.Step{Solution: script(run), Cleanup: script("docker rm -f rt-web"),
			Checks: checks("container: rt-web\nrunning: true", "exec: rt-web\ncommand: cat /www/index.html\nstdout_contains: hello")},
			"ok", "ok", "ok"},
		{"setup prepares what the step builds on", reftest.Step{Setup: script("docker volume create rt-data"),
			Solution: script("docker run --name rt-writer -v rt-data:/data " + img + " sh -c 'echo hi > /data/x'"),
			Cleanup:  script("docker rm rt-writer\ndocker volume rm rt-data"),
			Checks:   checks("volume: rt-data\nfile: {path: x, contains: hi}", "container: rt-writer\nexit_code: 0")},
			"ok", "ok", "ok"},
		{"check passes before the solution", reftest.Step{Solution: script(run), Cleanup: script("docker rm -f rt-web"),
			Checks: checks("image: "+img, "container: rt-web")},
			"passes before the solution ran", "ok", "ok"},
		{"solution does not do the step", reftest.Step{Solution: script("docker run -d --stop-signal KILL --name rt-other " + img + " sleep 60"),
			Cleanup: script("docker rm -f rt-other"), Checks: checks("container: rt-web\nrunning: true\ntimeout: 0s")},
			"ok", `container rt-web (lesson.en.md:21) fail after the solution: container rt-web does not exist yet`, "ok"},
		{"solution fails", reftest.Step{Solution: script("docker run --name rt-bad " + img + " sh -c 'exit 7'"),
			Cleanup: script("docker rm -f rt-bad"), Checks: checks("container: rt-bad\nexit_code: 0")},
			"ok", "solution (lesson.en.md:10) exited with status 7", "ok"},
		{"cleanup leaves things behind", reftest.Step{Solution: script(run + "\ndocker network create rt-net"),
			Cleanup: script("docker stop -t 0 rt-web"), Checks: checks("container: rt-web")},
			"ok", "ok", "left behind: container rt-web, left behind: network rt-net"},
		{"required images may appear", reftest.Step{Images: []string{"rt-base"},
			Solution: script("docker tag " + img + " rt-base:1.0\ndocker tag " + img + " rt-other:1.0\ndocker run --name rt-ran " + img + " true"),
			Cleanup:  script("docker rm rt-ran\ndocker rmi rt-other:1.0"), Checks: checks("container: rt-ran\nexit_code: 0")},
			"ok", "ok", "ok"},
		{"broken check", reftest.Step{Solution: script("true"), Checks: checks("container: rt-web\nrunning: maybe")},
			`lesson.en.md:22: container check: field "running" wants true or false, got "maybe"`, "skipped", "ok"},
		{"quiz only", reftest.Step{Checks: checks("quiz: q1")}, "ok", "ok", "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.step.Lesson, tt.step.ID = "demo", "step"
			row := r.Run(context.Background(), tt.step)
			for _, ph := range []struct {
				name string
				got  reftest.Phase
				want string
			}{{"before", row.Before, tt.before}, {"after", row.After, tt.after}, {"cleanup", row.Cleanup, tt.cleanup}} {
				if ph.want == "skipped" {
					if !ph.got.Skipped {
						t.Errorf("%s = %v %q, want skipped", ph.name, ph.got, ph.got.Detail)
					}
				} else if ph.want == "ok" {
					if !ph.got.OK {
						t.Errorf("%s = FAIL %s, want ok", ph.name, ph.got.Detail)
					}
				} else if ph.got.OK || !strings.Contains(ph.got.Detail, ph.want) {
					t.Errorf("%s = %v %q, want FAIL containing %q", ph.name, ph.got, ph.got.Detail, ph.want)
				}
			}
		})
		p.Podman(t, "rm", "-af", "-t", "0")
		p.Podman(t, "network", "prune", "-f")
	}
}

func TestPrepare(t *testing.T) {
	p := checkertest.StartPodman(t)
	r := &reftest.Runner{Engine: p.Engine(), Dir: t.TempDir(),
		Env: append(p.Env(), "PATH="+p.DockerShim(t)+":"+os.Getenv("PATH"))}
	if row := r.Prepare(context.Background(), "demo", []string{checkertest.TestImage}); !row.OK() {
		t.Errorf("Prepare(present image) = %+v, want ok", row)
	}
	row := r.Prepare(context.Background(), "demo", []string{"localhost/ck-absent:1"})
	if row.OK() || !strings.Contains(row.Before.Detail, "pull (demo requires.images) exited with status") {
		t.Errorf("Prepare(absent image) = %+v, want a failed pull", row.Before)
	}
}

// TestWalk walks two steps as a student does, without cleanup between
// them: the second step's check passes on what the first left, which Run
// (a clean engine per step) cannot see. Unwind then runs the cleanups, last
// first, and finds the engine as it was.
func TestWalk(t *testing.T) {
	p := checkertest.StartPodman(t)
	img := checkertest.TestImage
	root, dir := t.TempDir(), t.TempDir()
	r := &reftest.Runner{Engine: p.Engine(), Lang: "en", Dir: dir, Root: root,
		Env: append(p.Env(), "PATH="+p.DockerShim(t)+":"+os.Getenv("PATH"))}
	ctx := context.Background()
	before, err := checker.Take(ctx, p.Engine())
	if err != nil {
		t.Fatal(err)
	}
	steps := []reftest.Step{
		{Lesson: "demo", ID: "first", Solution: script("docker run --name rt-first " + img + " true"),
			Cleanup: script("docker rm rt-first"),
			Checks:  checks("containers: exited\nimage: " + img + "\nstatus: exited")},
		// The solution records the scope it ran in: the runner records
		// each step as active while it runs.
		{Lesson: "demo", ID: "second", Solution: script("docker run --name rt-second " + img + " true\ncp " + root + "/lesson-scope.json scope.json"),
			Cleanup: script("docker rm rt-second"),
			Checks: checks("containers: exited\nimage: "+img+"\nstatus: exited",
				"file: "+dir+"/scope.json\n"+`contains: '"step":"second"'`)},
	}
	first := r.Walk(ctx, steps[0])
	if !first.OK() {
		t.Errorf("Walk(first) = %v %v, want ok: %s %s", first.Before, first.After, first.Before.Detail, first.After.Detail)
	}
	second := r.Walk(ctx, steps[1])
	if second.Before.OK || !strings.Contains(second.Before.Detail, "passes before the solution ran") {
		t.Errorf("Walk(second).Before = %v %q, want FAIL: passes before the solution ran", second.Before, second.Before.Detail)
	}
	if !second.After.OK {
		t.Errorf("Walk(second).After = FAIL %s, want ok", second.After.Detail)
	}
	if _, err := os.Stat(root + "/lesson-scope.json"); !os.IsNotExist(err) {
		t.Errorf("scope file after the step: %v, want it cleared", err)
	}
	if row := r.Unwind(ctx, steps, before); !row.OK() {
		t.Errorf("Unwind = FAIL %s, want ok", row.Cleanup.Detail)
	}
}

// TestRunnerEntersEachStep: with a state root, the runner records the step
// as active (sandbox/scope) before its setup, marked as in its setup until
// the setup ends, as the guided loop does when a student enters it, and
// clears it afterwards.
func TestRunnerEntersEachStep(t *testing.T) {
	root, dir := t.TempDir(), t.TempDir()
	r := &reftest.Runner{Engine: &fake.Engine{}, Lang: "en", Dir: dir, Root: root, Env: os.Environ()}
	before := time.Now()
	r.Run(context.Background(), reftest.Step{Lesson: "vm-vs-container", ID: "boot-time",
		Setup:    script("cp " + filepath.Join(root, scope.FileName) + " seen.json"),
		Solution: script("cp " + filepath.Join(root, scope.FileName) + " solved.json"),
		Checks:   checks("file: " + filepath.Join(dir, "solved.json"))})
	data, err := os.ReadFile(filepath.Join(dir, "seen.json"))
	if err != nil {
		t.Fatalf("the setup saw no active step: %v", err)
	}
	var seen scope.Scope
	if err := json.Unmarshal(data, &seen); err != nil {
		t.Fatal(err)
	}
	if seen.Lesson != "vm-vs-container" || seen.Step != "boot-time" || seen.Entered.Before(before) || !seen.Setup {
		t.Errorf("active step during setup = %+v, want vm-vs-container/boot-time entered after %v, in its setup", seen, before)
	}
	var solved scope.Scope
	if data, err = os.ReadFile(filepath.Join(dir, "solved.json")); err == nil {
		err = json.Unmarshal(data, &solved)
	}
	if err != nil || solved.Step != "boot-time" || solved.Setup || !solved.Entered.Equal(seen.Entered) {
		t.Errorf("active step during the solution = %+v (%v), want boot-time as entered at %v, no longer in its setup", solved, err, seen.Entered)
	}
	if got := scope.Read(root); got != (scope.Scope{}) {
		t.Errorf("active step after the run = %+v, want none", got)
	}

	// A student's step on the same engine is active again afterwards: what
	// they make next is still labelled as made in their step.
	student := scope.Scope{Lesson: "compose", Step: "up", Entered: before.UTC().Truncate(time.Second)}
	if err := scope.Write(root, student); err != nil {
		t.Fatal(err)
	}
	r.Run(context.Background(), reftest.Step{Lesson: "vm-vs-container", ID: "boot-time",
		Solution: script("true"), Checks: checks("file: " + filepath.Join(dir, "solved.json"))})
	if got := scope.Read(root); !got.Entered.Equal(student.Entered) || got.StepID() != student.StepID() {
		t.Errorf("active step after a run during a student's step = %+v, want theirs back (%+v)", got, student)
	}
}
