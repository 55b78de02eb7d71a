package author_test

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/fake"
	"github.com/dockyard-lab/dockyard/content"
	"github.com/dockyard-lab/dockyard/lessons"
)

// TestShortcutsFail evaluates built-in steps' checks, in both languages,
// on what a student who skipped the step's work leaves behind: each must
// fail, and what the reference solution leaves must pass. The reference
// solution alone cannot show a check that is too loose.
func TestShortcutsFail(t *testing.T) {
	for _, tc := range []struct {
		lesson, step string
		name         string
		engine       *fake.Engine
		want         checker.Status
		// says is a word of the failure's message, when the test looks
		// at the message too (the Korean one).
		says string
	}{
		{"safety", "read-only", "locked run as --user 1000 without --read-only", locked(false), checker.Fail, ""},
		{"safety", "read-only", "locked run with --read-only --tmpfs /tmp", locked(true), checker.Pass, ""},
		{"dockerfile", "cache-order", "RUN true in place of the install, before COPY . .",
			&fake.Engine{Build: &checker.Build{Tags: []string{"shop:latest"}, Steps: []checker.BuildStep{
				{Instruction: "WORKDIR /app", Cached: true}, {Instruction: "RUN true", Cached: true}, {Instruction: "COPY . .", Cached: false}}}},
			checker.Fail, ""},
		{"dockerfile", "cache-order", "the reordered Dockerfile built again after app.sh changed",
			&fake.Engine{Build: &checker.Build{Tags: []string{"shop:latest"}, Steps: []checker.BuildStep{
				{Instruction: "WORKDIR /app", Cached: true}, {Instruction: "COPY deps.txt install-deps.sh ./", Cached: true},
				{Instruction: "RUN sh install-deps.sh", Cached: true}, {Instruction: "COPY . .", Cached: false}}}},
			checker.Pass, ""},
		{"dockerfile", "run-workdir", "df-tools built without the RUN line, run with sh -c pwd so that it exits 0",
			dfTools([]string{"sh", "-c", "pwd"}), checker.Fail, ""},
		{"dockerfile", "run-workdir", "df-tools run with the image's own CMD", dfTools([]string{"sh", "-c", "pwd && ps"}), checker.Pass, ""},
		{"debugging", "top-stats", "an idle worker stopped with the busy one", workers("exited", "exited", "running"), checker.Fail, "worker-1"},
		{"debugging", "top-stats", "an idle worker stopped, the busy one running", workers("exited", "running", "running"), checker.Fail, "CPU %"},
		{"debugging", "top-stats", "only the busy worker stopped", workers("running", "exited", "running"), checker.Pass, ""},
	} {
		for _, lang := range []string{"en", "ko"} {
			file, blocks := stepChecks(t, tc.lesson, lang, tc.step, func(string) bool { return true })
			if len(blocks) == 0 {
				t.Fatalf("%s: step %s has no checks", file, tc.step)
			}
			rep := checker.Evaluate(context.Background(), checker.Env{Engine: tc.engine, Lang: lang, NoRetry: true}, checker.ParseAll(blocks))
			if rep.Status != tc.want {
				t.Errorf("%s#%s, %s: %s %+v, want %s", file, tc.step, tc.name, rep.Status, rep.Tests, tc.want)
			}
			if tc.says != "" && lang == "ko" && !strings.Contains(fmt.Sprint(rep.Tests), tc.says) {
				t.Errorf("%s#%s, %s: %+v, want a message saying %q", file, tc.step, tc.name, rep.Tests, tc.says)
			}
		}
	}
}

// workers is an engine holding debugging's worker-1, worker-2 and
// worker-3 in the states given, beside broken-web, which an earlier step
// left running.
func workers(states ...string) *fake.Engine {
	e := &fake.Engine{}
	e.AddContainer(checker.Container{Name: "broken-web", Image: "nginx", Status: "running"})
	for n, state := range states {
		e.AddContainer(checker.Container{Name: fmt.Sprintf("worker-%d", n+1), Image: "busybox", Status: state})
	}
	return e
}

// locked is an engine holding a running busybox container "locked" started
// with --user 1000, its root file system read-only or not: a user other
// than root cannot write to /etc either way, root only when it is not
// read-only; /tmp is writable to all.
func locked(readOnly bool) *fake.Engine {
	e := &fake.Engine{ExecHandler: func(_ string, cmd []string, user string) checker.ExecResult {
		if strings.Contains(strings.Join(cmd, " "), "touch /etc/evil") && (readOnly || (user != "root" && user != "0")) {
			return checker.ExecResult{ExitCode: 1, Stderr: "touch: /etc/evil: Permission denied\n"}
		}
		return checker.ExecResult{}
	}}
	e.AddContainer(checker.Container{Name: "locked", Image: "busybox", Status: "running", User: "1000"})
	return e
}

// dfTools is an engine holding the image df-tools (debian, WORKDIR /work)
// and the container df-tools-run, which ran command and exited 0.
func dfTools(command []string) *fake.Engine {
	e := &fake.Engine{}
	e.AddImage(checker.Image{ID: "sha256:debian", Tags: []string{"debian:bookworm"}, Layers: []string{"sha256:d1"}})
	e.AddImage(checker.Image{ID: "sha256:dftools", Tags: []string{"df-tools:latest"}, WorkingDir: "/work",
		Cmd: []string{"sh", "-c", "pwd && ps"}, Layers: []string{"sha256:d1", "sha256:t1"}})
	e.AddContainer(checker.Container{Name: "df-tools-run", Image: "df-tools", ImageID: "sha256:dftools",
		Status: "exited", Command: command})
	return e
}

// TestWrongWorkIsNamed runs a step's checks on work done wrong as a
// student did it and finds the feedback naming the mistake, not only the
// check's shell command and its exit code: in vm-vs-container the host's
// kernel (uname -r, the table's left column) written for the VM's.
func TestWrongWorkIsNamed(t *testing.T) {
	dir := t.TempDir()
	host, err := exec.Command("uname", "-r").Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vm-kernel.txt"), host, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		lesson, step, lang, want string
	}{
		{"vm-vs-container", "compare", "en", "the left one is the host's"},
		{"vm-vs-container", "compare", "ko", "왼쪽 값은 호스트의 커널"},
		{"registry", "start", "en", "dockyard registry start"},
		{"registry", "start", "ko", "dockyard registry start로 시작하세요"},
	} {
		if tc.lesson == "registry" {
			l, err := net.Listen("tcp", "127.0.0.1:5000")
			if err != nil {
				t.Logf("registry#start not run: port 5000 is in use here (%v), so its checks would pass", err)
				continue
			}
			l.Close()
		}
		file, blocks := stepChecks(t, tc.lesson, tc.lang, tc.step, func(src string) bool { return !strings.Contains(src, "quiz:") })
		rep := checker.Evaluate(context.Background(), checker.Env{Engine: &fake.Engine{}, Lang: tc.lang, NoRetry: true, CommandDir: dir}, checker.ParseAll(blocks))
		if rep.Status != checker.Fail || len(rep.Tests) == 0 || !strings.Contains(rep.Tests[0].Message, tc.want) {
			t.Errorf("%s#%s with the host's kernel = %s %+v, want a failure saying %q", file, tc.step, rep.Status, rep.Tests, tc.want)
		}
	}
}

// TestSizeCheckReadsTheSizeColumn runs vm-vs-container's debian-size.txt
// check with a docker that lists debian as Dockyard does: the size passes,
// another word of the listing (the repository, the tag) does not; it did,
// since the check looked for the file's text anywhere in the listing.
func TestSizeCheckReadsTheSizeColumn(t *testing.T) {
	bin := t.TempDir()
	docker := `#!/bin/sh
case "$*" in
"images --format {{.Size}} debian") printf '116MB\n116MB\n' ;;
"images debian") printf 'REPOSITORY   TAG        IMAGE ID       CREATED        SIZE\ndebian       bookworm   b209ec73c3a4   13 hours ago   116MB\n' ;;
*) exit 1 ;;
esac
`
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte(docker), 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	for _, tc := range []struct {
		written string
		want    checker.Status
	}{{"116MB\n", checker.Pass}, {"debian\n", checker.Fail}, {"bookworm\n", checker.Fail}, {"116 MB\n", checker.Fail}} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "debian-size.txt"), []byte(tc.written), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, lang := range []string{"en", "ko"} {
			file, blocks := stepChecks(t, "vm-vs-container", lang, "size", func(src string) bool { return strings.Contains(src, "debian-size.txt") })
			if len(blocks) != 1 {
				t.Fatalf("%s: %d debian-size.txt checks in step size, want 1", file, len(blocks))
			}
			rep := checker.Evaluate(context.Background(), checker.Env{Engine: &fake.Engine{}, Lang: lang, NoRetry: true, CommandDir: dir, CommandEnv: env}, checker.ParseAll(blocks))
			if rep.Status != tc.want {
				t.Errorf("%s with debian-size.txt %q = %s %+v, want %s", file, tc.written, rep.Status, rep.Tests, tc.want)
			}
		}
	}
}

// TestCommandChecksSayWhatIsMissing runs a step's exec check on work done
// wrong and finds, below the command and its exit code or output, the
// check's own hint in the student's language: the note written on the
// host, not in ticker; as-nobody run without --user.
func TestCommandChecksSayWhatIsMissing(t *testing.T) {
	for _, tc := range []struct {
		lesson, step, lang, container, want string
		res                                 checker.ExecResult
	}{
		{"containers", "exec", "en", "ticker", "write it from a shell inside ticker",
			checker.ExecResult{ExitCode: 1, Stderr: "cat: can't open '/tmp/note.txt': No such file or directory\n"}},
		{"containers", "exec", "ko", "ticker", "ticker 안의 셸(docker exec -it ticker sh)에서 쓰세요",
			checker.ExecResult{ExitCode: 1, Stderr: "cat: can't open '/tmp/note.txt': No such file or directory\n"}},
		{"safety", "non-root", "en", "as-nobody", "start it with --user nobody", checker.ExecResult{Stdout: "0\n"}},
		{"safety", "non-root", "ko", "as-nobody", "--user nobody를 붙여서 시작하세요", checker.ExecResult{Stdout: "0\n"}},
	} {
		file, blocks := stepChecks(t, tc.lesson, tc.lang, tc.step, func(src string) bool { return strings.HasPrefix(src, "exec:") })
		res := tc.res
		e := &fake.Engine{ExecHandler: func(string, []string, string) checker.ExecResult { return res }}
		e.AddContainer(checker.Container{Name: tc.container, Image: "busybox", Status: "running"})
		rep := checker.Evaluate(context.Background(), checker.Env{Engine: e, Lang: tc.lang, NoRetry: true}, checker.ParseAll(blocks))
		if rep.Status != checker.Fail || len(rep.Tests) != 1 || !strings.Contains(rep.Tests[0].Message, tc.want) {
			t.Errorf("%s#%s exec check on wrong work = %s %+v, want one failure saying %q", file, tc.step, rep.Status, rep.Tests, tc.want)
		}
	}
}

// stepChecks reads a built-in lesson in lang and returns its file name and
// the check blocks of step whose source keep accepts.
func stepChecks(t *testing.T, lesson, lang, step string, keep func(src string) bool) (string, []checker.Block) {
	t.Helper()
	file, l := builtinLesson(t, lesson, lang)
	var blocks []checker.Block
	for _, st := range l.Steps {
		if st.ID == step {
			for _, b := range st.Checks {
				if keep(b.Source) {
					blocks = append(blocks, checker.Block{Source: b.Source, File: b.File, Line: b.Line})
				}
			}
		}
	}
	return file, blocks
}

// builtinLesson parses a built-in lesson in lang; it must have no problems.
func builtinLesson(t *testing.T, lesson, lang string) (file string, l *lessons.Lesson) {
	t.Helper()
	file = lesson + "/lesson." + lang + ".md"
	src, err := fs.ReadFile(content.Lessons(), file)
	if err != nil {
		t.Fatal(err)
	}
	l, probs := lessons.Parse(file, src)
	if len(probs) > 0 {
		t.Fatalf("%s: %v", file, probs)
	}
	return file, l
}

// TestComposeSetupsKeepTheStudentsFile runs the compose lesson's setups
// in a folder where the student wrote docker-compose.yml, the name older
// notes use: no setup may write a compose.yaml beside it, which Compose
// would read instead, so that the student's edits (the port of the
// change step) would be silently ignored.
func TestComposeSetupsKeepTheStudentsFile(t *testing.T) {
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "docker"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "ko"} {
		file, l := builtinLesson(t, "compose", lang)
		ran := 0
		for _, st := range l.Steps {
			if st.Setup.Empty() {
				continue
			}
			dir := t.TempDir()
			mine := "name: shipyard\nservices:\n  web:\n    image: nginx\n    ports: [\"8087:80\"]\n"
			if err := os.WriteFile(filepath.Join(dir, "docker-compose.yml"), []byte(mine), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("bash", "-e", "-c", st.Setup.Source)
			cmd.Dir, cmd.Env = dir, append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s#%s setup: %v\n%s", file, st.ID, err, out)
			}
			ran++
			if _, err := os.Stat(filepath.Join(dir, "compose.yaml")); err == nil {
				t.Errorf("%s#%s: setup wrote compose.yaml beside the student's docker-compose.yml", file, st.ID)
			}
		}
		if ran == 0 {
			t.Fatalf("%s: no step has a setup", file)
		}
	}
}
