package learn_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// buildDockyard builds the dockyard binary once per test binary run.
func buildDockyard(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "dockyard")
	// The same tags as make test, so the build cache serves both.
	cmd := exec.Command("go", "build", "-tags", "seccomp,netgo,osusergo", "-o", bin, "github.com/dockyard-lab/dockyard/cmd/dockyard")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build dockyard: %v\n%s", err, out)
	}
	return bin
}

// term is one tmux session: a real terminal the test types into and reads
// the screen of.
type term struct {
	t      *testing.T
	socket string
	n      int
}

func newTerm(t *testing.T, dir string, env []string) *term {
	t.Helper()
	return newTermSize(t, dir, env, 110, 45)
}

// newTermSize is newTerm with a terminal cols columns wide and rows high.
func newTermSize(t *testing.T, dir string, env []string, cols, rows int) *term {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("needs tmux (Debian package tmux, in .ci/apt-packages)")
	}
	tm := &term{t: t, socket: fmt.Sprintf("dockyard-e2e-%d-%d", os.Getpid(), time.Now().UnixNano())}
	args := []string{"new-session", "-d", "-s", "e2e", "-x", fmt.Sprint(cols), "-y", fmt.Sprint(rows), "-c", dir, "--"}
	args = append(args, "env", "-i")
	args = append(args, env...)
	args = append(args, "bash", "--norc", "--noprofile")
	tm.tmux(args...)
	t.Cleanup(func() { exec.Command("tmux", "-L", tm.socket, "kill-server").Run() })
	return tm
}

func (tm *term) tmux(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.socket}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// run types a command line after a fresh marker, so that screen reads see
// only what follows it.
func (tm *term) run(line string) {
	tm.n++
	tm.typeLine(fmt.Sprintf("echo '#%d#'; %s", tm.n, line))
}

func (tm *term) keys(keys ...string) { tm.tmux(append([]string{"send-keys", "-t", "e2e"}, keys...)...) }

// screen returns what the terminal shows since the last marker.
func (tm *term) screen() string {
	all := tm.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "e2e")
	marker := fmt.Sprintf("\n#%d#\n", tm.n)
	if i := strings.LastIndex(all, marker); i >= 0 {
		return all[i+len(marker):]
	}
	return ""
}

// typeLine types a line and Enter without a marker: input for a program
// that runs in the terminal (a shell inside a container, psql).
func (tm *term) typeLine(line string) {
	// tmux takes an argument ending in ";" for its command separator, so
	// a closing semicolon (SQL) goes as a key code of its own.
	text, semi := strings.CutSuffix(line, ";")
	if text != "" {
		tm.tmux("send-keys", "-t", "e2e", "-l", text)
	}
	if semi {
		tm.tmux("send-keys", "-t", "e2e", "-H", "3b")
	}
	tm.tmux("send-keys", "-t", "e2e", "Enter")
}

// wait waits until every text is on the screen since the last marker; it
// fails with the screen after a generous deadline (a wait, not a timing
// assertion: the command usually answers in milliseconds).
func (tm *term) wait(texts ...string) string {
	tm.t.Helper()
	return tm.waitFor(20*time.Second, texts...)
}

// waitFor is wait with its own deadline, for commands that take a while
// (a pull, a database starting).
func (tm *term) waitFor(timeout time.Duration, texts ...string) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tm.screen()
		missing := ""
		for _, text := range texts {
			if !strings.Contains(s, text) {
				missing = text
				break
			}
		}
		if missing == "" {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the screen never showed %q; it shows:\n%s", missing, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestLearnInTerminal walks the two-step sample lesson in a real terminal,
// in English and in Korean: the menu, the step, a failed check with its
// feedback, a hint, a passing check, the quiz menu, the saved progress and
// the reset. Checks go through the real checker (command and quiz kinds,
// which need no container engine).
func TestLearnInTerminal(t *testing.T) {
	bin := buildDockyard(t)
	course, err := filepath.Abs("../../lessons/testdata/course")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lang string
		want map[string][]string
	}{
		{"en", map[string][]string{
			"menu":     {"Choose a lesson", "A sample lesson (0/2)", "[Use arrows to move, type to filter"},
			"step":     {"A sample lesson", "Step 1/2 · Write a file", "echo hello > hello.txt", "dockyard check"},
			"fail":     {"✗ command grep -qx hello hello.txt", "exited with code 2, expected 0", `hint: The file hello.txt must hold the single line "hello".`, "Not yet: 1 of 1 checks failed"},
			"hint":     {"Hint 1/2", "sends it into a file"},
			"pass":     {"✓ Step 1 passed: Write a file", "Step 2/2 · A question", "Question 1. What does > do in echo hello > hello.txt?", "? Question 1  [Use arrows", "2. It sends the command's output into a file."},
			"wrong":    {"✗ That is not right: `>` writes the command's output into a file instead of the screen", "Try again."},
			"done":     {"✓ Step 2 passed: A question", `You finished the lesson "A sample lesson" (2/2 steps)`},
			"progress": {"✓ sample", "2/2", "done", "✓ 1. Write a file", "✓ 2. A question"},
			"reset":    {`Lesson "A sample lesson" reset`, "Step 1/2 · Write a file"},
			"shell":    {"Dockyard shell: `docker` here is Dockyard's engine.", "[dockyard sample 1/2]"},
		}},
		{"ko", map[string][]string{
			"menu":     {"레슨을 고르세요", "맛보기 레슨 (0/2)", "[화살표로 이동, 글자를 입력하면 거르기"},
			"step":     {"맛보기 레슨", "1/2 단계 · 파일 만들기", "echo hello > hello.txt", "dockyard check"},
			"fail":     {"✗ 명령 grep -qx hello hello.txt", `hello.txt 파일에 "hello" 한 줄만 있어야 합니다.`, "아직이에요: 검사 1개 중 1개가 실패했어요"},
			"hint":     {"힌트 1/2", "출력을 파일로 보냅니다"},
			"pass":     {"✓ 1단계 통과: 파일 만들기", "2/2 단계 · 질문 하나", "명령의 출력을 파일로 보냅니다."},
			"wrong":    {"✗ 틀렸어요: `>`는 명령의 출력을 화면 대신 파일에 씁니다", "다시 골라 보세요."},
			"done":     {"✓ 2단계 통과: 질문 하나", `"맛보기 레슨" 레슨을 마쳤어요 (2/2 단계)`},
			"progress": {"✓ sample", "2/2", "완료", "✓ 1. 파일 만들기", "✓ 2. 질문 하나"},
			"reset":    {`"맛보기 레슨" 레슨을 초기화했어요`, "1/2 단계 · 파일 만들기"},
			"shell":    {"Dockyard 셸이에요. 여기서 `docker`는 Dockyard 엔진을 뜻해요.", "[dockyard sample 1/2]"},
		}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			work, state := t.TempDir(), t.TempDir()
			tm := newTerm(t, work, []string{
				"HOME=" + work, "HISTFILE=/dev/null", "TERM=xterm-256color", "PS1=$ ", "LANG=C.UTF-8",
				"PATH=" + filepath.Dir(bin) + ":/usr/local/bin:/usr/bin:/bin",
				"XDG_STATE_HOME=" + state, "DOCKYARD_LESSONS=" + course, "DOCKYARD_LANG=" + tc.lang,
				// A state root of its own: the prompt shows a bake running
				// in the machine's /var/lib/dockyard.
				"DOCKYARD_ROOT=" + t.TempDir(),
			})
			w := tc.want

			tm.run("dockyard learn")
			tm.wait(w["menu"]...)
			tm.keys("Enter")
			tm.wait(w["step"]...)

			tm.run("dockyard check")
			tm.wait(w["fail"]...)

			tm.run("dockyard hint")
			tm.wait(w["hint"]...)

			tm.run("echo hello > hello.txt && dockyard check")
			tm.wait(w["pass"]...)
			// The quiz menu: the first choice is wrong, which is said, with
			// why; the question comes again and the second choice is right.
			tm.settle()
			tm.keys("Enter")
			tm.wait(w["wrong"]...)
			tm.settle()
			tm.keys("Down")
			tm.keys("Enter")
			tm.wait(w["done"]...)

			tm.run("dockyard progress")
			tm.wait(w["progress"]...)
			saved := readProgress(t, filepath.Join(state, "dockyard", "progress.json"))
			if saved.Lessons["sample"].Steps["write-file"].Hints != 1 || !saved.Lessons["sample"].Steps["question"].Done {
				t.Errorf("saved progress = %+v, want 1 hint for write-file and question done", saved.Lessons["sample"])
			}
			if got := saved.Lessons["sample"].Answers["sample-redirect"]; len(got) != 1 || got[0] != 2 {
				t.Errorf("saved answer = %v, want [2]", got)
			}

			tm.run("dockyard reset --lesson")
			tm.wait(w["reset"]...)
			if _, err := os.Stat(filepath.Join(work, "hello.txt")); !os.IsNotExist(err) {
				t.Errorf("hello.txt survived reset --lesson: %v", err)
			}
			saved = readProgress(t, filepath.Join(state, "dockyard", "progress.json"))
			if l, ok := saved.Lessons["sample"]; !ok || len(l.Steps) != 0 || len(l.Answers) != 0 || l.Current != "write-file" {
				t.Errorf("progress after reset = %+v, want the lesson at its first step with nothing done", l)
			}

			// dockyard shell: docker is this dockyard, the prompt shows the step.
			tm.run("dockyard shell")
			tm.wait(w["shell"]...)
			tm.run("readlink $(command -v docker)")
			tm.wait(bin)
			tm.run("exit")
		})
	}
}

// waitPrompt waits until the command typed last has ended: the shell's
// prompt ("$ ") is the last line on the screen. It returns the screen.
func (tm *term) waitPrompt(timeout time.Duration) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tm.screen()
		if t := strings.TrimRight(s, " \n"); t == "$" || strings.HasSuffix(t, "\n$") {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the shell's prompt never came back; the screen shows:\n%s", s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// settle waits until the screen stops changing (a menu fully drawn) and
// returns it.
func (tm *term) settle() string {
	tm.t.Helper()
	last, same := tm.screen(), 0
	for deadline := time.Now().Add(20 * time.Second); same < 3 && time.Now().Before(deadline); {
		time.Sleep(100 * time.Millisecond)
		if s := tm.screen(); s == last {
			same++
		} else {
			last, same = s, 0
		}
	}
	return last
}

type savedProgress struct {
	Lessons map[string]struct {
		Current string
		Steps   map[string]struct {
			Done  bool
			Hints int
		}
		Answers map[string][]int
	}
}

func readProgress(t *testing.T, path string) savedProgress {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p savedProgress
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("progress file %s: %v", path, err)
	}
	return p
}

// TestResetWipe empties a throw-away engine with `reset --all --wipe`: the
// network and the volume a student made go, the pre-defined networks stay.
func TestResetWipe(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the engine does")
	}
	bin := buildDockyard(t)
	root := filepath.Join(t.TempDir(), "engine")
	work := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, append([]string{"--root", root}, args...)...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+filepath.Join(work, "state"), "DOCKYARD_LANG=en")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("dockyard %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	t.Cleanup(func() {
		// Take down the bridges and nftables table this root made.
		exec.Command(bin, "--root", root, "docker", "network", "reset").Run()
	})
	run("docker", "network", "create", fmt.Sprintf("wipe-net-%d", os.Getpid()))
	run("docker", "volume", "create", "wipe-vol")
	out := run("reset", "--all", "--wipe")
	if want := "Removed from Dockyard's engine: 0 containers, 1 networks, 1 volumes (images stay)."; !strings.Contains(out, want) {
		t.Errorf("reset --all --wipe said:\n%s\nwant %q", out, want)
	}
	if vols := run("docker", "volume", "ls", "-q"); strings.TrimSpace(vols) != "" {
		t.Errorf("volumes left after the wipe: %q", vols)
	}
	if nets := run("docker", "network", "ls"); strings.Contains(nets, "wipe-net-") || !strings.Contains(nets, "bridge") {
		t.Errorf("networks after the wipe:\n%s\nwant only the pre-defined ones", nets)
	}
}

// mixedLesson is a step with work to do and a question about it.
const mixedLesson = `---
id: mixed
title: Work and a question
summary: A step to do, then a question about it.
order: 1
minutes: 1
---

## Make a file {#make}

Create done.txt, then say what you did.

` + "```quiz" + `
id: mixed-what
question: What did you create?
choices:
  - A folder.
  - A file.
answer: 2
explanation: "touch makes an empty file."
` + "```" + `

` + "```check" + `
command: test -f done.txt
` + "```" + `

` + "```check" + `
quiz: mixed-what
` + "```" + `

` + "```solution" + `
touch done.txt
dockyard answer mixed-what 2
` + "```" + `
`

// TestQuizAtCheck: a step with work and a question shows the step and
// lets the student work; `dockyard check` asks the question, says a wrong
// answer is wrong (and why) before asking again, and a later check does
// not ask a question answered rightly again.
func TestQuizAtCheck(t *testing.T) {
	bin := buildDockyard(t)
	course := t.TempDir()
	if err := os.MkdirAll(filepath.Join(course, "mixed"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(course, "mixed", "lesson.en.md"), []byte(mixedLesson), 0o644); err != nil {
		t.Fatal(err)
	}
	work, state := t.TempDir(), t.TempDir()
	tm := newTerm(t, work, []string{
		"HOME=" + work, "HISTFILE=/dev/null", "TERM=xterm-256color", "PS1=$ ", "LANG=C.UTF-8",
		"PATH=" + filepath.Dir(bin) + ":/usr/local/bin:/usr/bin:/bin",
		"XDG_STATE_HOME=" + state, "DOCKYARD_LESSONS=" + course, "DOCKYARD_LANG=en",
		"DOCKYARD_ROOT=" + t.TempDir(),
	})
	tm.run("dockyard learn mixed")
	tm.wait("Step 1/1 · Make a file", "What did you create?", "asks this question once you have done the step")
	if s := tm.waitPrompt(30 * time.Second); strings.Contains(s, "? Question 1") {
		t.Errorf("learn opened the question's menu before the work was done:\n%s", s)
	}

	// Checking before the work is done: the failure, and no question yet.
	tm.run("dockyard check")
	if s := tm.waitPrompt(30 * time.Second); strings.Contains(s, "? Question 1") || !strings.Contains(s, "Not yet") {
		t.Errorf("a check before the work: want its failure and no question's menu, got:\n%s", s)
	}

	tm.run("touch done.txt && dockyard check")
	tm.wait("? Question 1", "> 1. A folder.")
	tm.settle()
	tm.keys("Enter")
	tm.wait("✗ That is not right: touch makes an empty file. Try again.")
	tm.settle()
	tm.keys("Down")
	tm.keys("Enter")
	tm.wait("✓ Step 1 passed: Make a file")
	tm.waitPrompt(30 * time.Second)

	// Checking again (the step is done): no menu.
	tm.run("dockyard check")
	s := tm.waitPrompt(30 * time.Second)
	if strings.Contains(s, "? Question 1") {
		t.Errorf("check reopened a question answered rightly:\n%s", s)
	}
}
