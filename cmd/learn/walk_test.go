package learn_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

var update = flag.Bool("update", false, "rewrite the golden screens in testdata/walk")

// TestWalkKorean walks the containers and postgres lessons in Korean in a
// real terminal (tmux), as a new student would: read the step, type the
// lesson's commands (docker is Dockyard; psql is the real client), run
// `dockyard check`, see it pass and move on, answer the quiz menus, and
// look at the progress table at the end. On the first step of each lesson
// the student checks before doing the work and reads the Korean feedback,
// then asks for a hint. The screens at those points are compared with
// testdata/walk/*.golden after ids, times, durations and temp paths are
// normalised; -update rewrites them.
//
// The student's engine is a fresh state root whose images come from a
// loopback registry mirror (DOCKYARD_REGISTRY_MIRROR) filled from the
// lesson images .ci/setup bakes into $DOCKYARD_TEST_ROOT (else
// /var/cache/dockyard-test): `docker pull postgres` really pulls, and the
// shared root is only read. The postgres lesson publishes host port 5433
// and uses /tmp/postgres-data, as written.
func TestWalkKorean(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the walk runs containers")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("needs tmux (Debian package tmux, in .ci/apt-packages)")
	}
	for _, tool := range []string{"psql", "pg_isready"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("needs %s (Debian package postgresql-client, in .ci/apt-packages): %v", tool, err)
		}
	}
	mirror := lessonMirror(t, "busybox:latest", "postgres:latest", "postgres:15", "debian:bookworm", "nginx:latest")
	bin := buildDockyard(t)
	if err := os.Symlink("dockyard", filepath.Join(filepath.Dir(bin), "docker")); err != nil {
		t.Fatal(err)
	}
	// Short paths: the engine keeps unix sockets under its root.
	dir, err := os.MkdirTemp("/tmp", "dy-walk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // runs last
	root, work, state := filepath.Join(dir, "root"), filepath.Join(dir, "home"), filepath.Join(dir, "state")
	for _, d := range []string{work, state} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	docker := func(args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"--root", root, "docker"}, args...)...)
		cmd.Env = append(os.Environ(), "DOCKYARD_REGISTRY_MIRROR="+mirror)
		out, err := cmd.CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	t.Cleanup(func() {
		if ids, _ := docker("ps", "-aq"); ids != "" {
			docker(append([]string{"rm", "-f"}, strings.Fields(ids)...)...)
		}
		// Take down the bridges and nftables table this root made.
		docker("network", "reset")
		os.RemoveAll("/tmp/postgres-data")
	})
	// On failure, what the engine held (before the cleanup above removes it).
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		ps, _ := docker("ps", "-a")
		logs, _ := docker("logs", "--tail", "30", "postgres-sample")
		ss, _ := exec.Command("ss", "-ltnp", "sport = :5433").CombinedOutput()
		t.Logf("docker ps -a:\n%s\ndocker logs --tail 30 postgres-sample:\n%s\nlisteners on 5433:\n%s", ps, logs, ss)
	})
	// As the images lesson leaves it: busybox is there.
	if out, err := docker("pull", "-q", "busybox"); err != nil {
		t.Fatalf("docker pull busybox from the mirror: %v\n%s", err, out)
	}
	os.RemoveAll("/tmp/postgres-data")
	waitPortFree(t, "127.0.0.1:5433")

	tm := newTerm(t, work, []string{
		"HOME=" + work, "HISTFILE=/dev/null", "TERM=xterm-256color", "PS1=$ ", "LANG=C.UTF-8",
		"PATH=" + filepath.Dir(bin) + ":/usr/local/bin:/usr/bin:/bin",
		"XDG_STATE_HOME=" + state, "DOCKYARD_ROOT=" + root, "DOCKYARD_REGISTRY_MIRROR=" + mirror,
		"DOCKYARD_LESSONS=builtin", "PGPASSWORD=admin2",
		// A Korean student's setting: every dockyard command answers in
		// Korean, not only the one given --lang ko.
		"DOCKYARD_LANG=ko", "PAGER=cat",
	})
	n, sub := 0, 0
	capture := func(label, line, screen string) {
		t.Helper()
		n, sub = n+1, 0
		compareGolden(t, fmt.Sprintf("%02d-%s", n, label), "$ "+line+"\n"+screen, dir, filepath.Dir(bin))
	}
	// also captures a screen between two numbered ones, so that adding one
	// leaves the others' names alone.
	also := func(label, line, screen string) {
		t.Helper()
		sub++
		compareGolden(t, fmt.Sprintf("%02d.%d-%s", n, sub, label), "$ "+line+"\n"+screen, dir, filepath.Dir(bin))
	}
	// do types a command line and waits for its output.
	do := func(line string, timeout time.Duration, texts ...string) string {
		t.Helper()
		tm.run(line)
		tm.waitFor(timeout, texts...)
		return tm.waitPrompt(timeout)
	}
	check := func(label string, timeout time.Duration, texts ...string) {
		t.Helper()
		s := do("dockyard check", timeout, texts...)
		if label != "" {
			capture(label, "dockyard check", s)
		}
	}
	const short, long = 30 * time.Second, 3 * time.Minute
	ticker := `docker run -d --name ticker busybox sh -c 'trap "exit 0" TERM; while true; do date; sleep 1; done'`

	names := func() string {
		t.Helper()
		out, err := docker("ps", "-a", "--format", "{{.Names}}")
		if err != nil {
			t.Fatalf("docker ps -a: %v\n%s", err, out)
		}
		return strings.Join(strings.Fields(out), " ")
	}

	// ---- an earlier lesson ----
	// The intro's step 3 (no menu: its input is not a terminal) leaves a
	// running container, labelled with that step.
	do("dockyard --lang ko learn intro </dev/null && dockyard step 3", short, "3/")
	do("docker run -d --name intro-box busybox sleep 3600", short, "$ ")
	if out, _ := docker("inspect", "--format", `{{index .Config.Labels "dockyard.step"}}`, "intro-box"); out != "intro/first-container" {
		t.Errorf("intro-box's dockyard.step label = %q, want intro/first-container", out)
	}

	// ---- containers ----
	// learn says which language it speaks and how to change it.
	s := do("dockyard --lang ko learn containers", short, "1/9 단계 · busybox 실행하기", "docker run busybox", "레슨을 한국어로 보여 줘요")
	capture("containers-step", "dockyard --lang ko learn containers", s)
	// Checking before doing the work: the Korean feedback, then a hint
	// with what the check finds now.
	check("containers-check-fail", short, "아직이에요")
	s = do("dockyard hint", short, "힌트 1/", "지금 이 단계의 검사가 찾은 것:")
	capture("containers-hint", "dockyard hint", s)

	// Resetting the step removes what the step made, and only that: the
	// intro's container stays.
	do("docker run busybox", short, "$ ")
	if got := strings.Fields(names()); len(got) != 2 {
		t.Errorf("containers before reset --step: %q, want intro-box and the step's", got)
	}
	s = do("dockyard reset --step", short, "1단계(busybox 실행하기)를 초기화했어요", "1/9 단계")
	also("containers-reset-step", "dockyard reset --step", s)
	if got := names(); got != "intro-box" {
		t.Errorf("containers after reset --step of containers/first-run: %q, want intro-box only", got)
	}

	do("docker run busybox", short, "$ ")
	do("docker ps", short, "CONTAINER ID")
	do("docker ps -a", short, "Exited (0)")
	check("containers-first-run-pass", short, "✓ 1단계 통과", "2/9 단계")

	// A container the step asks for that does not exist yet: a plain
	// Korean fail.
	s = do("dockyard check", short, "아직이에요", "hello")
	also("containers-missing", "dockyard check", s)
	do(`docker run --name hello busybox echo "hello, world"`, short, "hello, world")
	do("docker ps -al", short, "hello")
	check("", short, "✓ 2단계 통과", "3/9 단계")

	do(ticker, short, "$ ")
	do("docker ps", short, "ticker")
	do("docker logs ticker", short) // the first lines, or none yet
	check("", short, "✓ 3단계 통과", "4/9 단계")

	// A stopped container where the step needs it running.
	do("docker stop ticker", short, "ticker")
	s = do("dockyard check", short, "아직이에요", "ticker")
	also("containers-stopped", "dockyard check", s)
	do("docker start ticker", short, "ticker")
	tm.run("docker exec -it ticker sh")
	tm.wait("/ #")
	tm.typeLine(`echo "my note" > /tmp/note.txt`)
	tm.typeLine("cat /tmp/note.txt")
	tm.wait("\nmy note")
	tm.typeLine("exit")
	tm.waitPrompt(short)
	check("", short, "✓ 4단계 통과", "5/9 단계")

	do("docker stop ticker", short, "ticker")
	do("docker ps -a", short, "Exited (0)")
	do("docker logs ticker", short, "UTC")
	check("", short, "✓ 5단계 통과", "6/9 단계")

	do("docker start ticker", short, "ticker")
	do("docker exec ticker cat /tmp/note.txt", short, "my note")
	check("", short, "✓ 6단계 통과", "7/9 단계")

	// Off the lesson's path: stop where the step kills. The check fails,
	// the hint shows what it finds and how to start again, the solution
	// cannot kill a stopped container and says to reset the step.
	do("docker stop ticker", short, "ticker")
	check("", short, "아직이에요")
	s = do("dockyard hint", short, "지금 이 단계의 검사가 찾은 것:", "dockyard reset --step")
	also("containers-offpath-hint", "dockyard hint", s)
	s = do("dockyard solve", short, "모범 풀이가 지금 엔진의 상태와 맞지 않아요")
	also("containers-offpath-solve", "dockyard solve", s)
	if strings.Contains(s, "lesson.ko.md") || strings.Contains(s, "exit status") {
		t.Errorf("dockyard solve off the path shows a lesson file or a shell status:\n%s", s)
	}
	do("dockyard reset --step", short, "7단계", "초기화했어요", "7/9 단계")
	do("docker kill ticker", short, "ticker")
	do("docker ps -a", short, "ticker")
	check("containers-kill-pass", short, "✓ 7단계 통과", "8/9 단계")

	do("docker rm ticker", short, "ticker")
	do(ticker, short, "$ ")
	do("docker exec ticker cat /tmp/note.txt", short, "No such file or directory")
	// The last step is the recap quiz: its menu opens at once.
	tm.run("dockyard check")
	tm.waitFor(short, "✓ 8단계 통과", "9/9 단계", "질문 1. 컨테이너 상태가", "? 질문 1", "> 1. 프로그램이")
	capture("containers-quiz", "dockyard check", tm.settle())
	// A wrong answer is said to be wrong, and why, before the question
	// comes again.
	tm.keys("Enter")
	tm.wait("✗ 틀렸어요: 128보다 큰 종료 코드는", "다시 골라 보세요")
	also("containers-quiz-wrong", "dockyard check", tm.settle())
	tm.keys("Down")
	tm.keys("Enter")
	tm.wait("✓ 9단계 통과", `"컨테이너" 레슨을 마쳤어요 (9/9 단계)`)
	s = tm.waitPrompt(short)
	capture("containers-done", "dockyard check", s)

	// ---- postgres ----
	// The capstone has twelve steps; the walk types the notes' task (pull,
	// folder, run, PGDATA, psql, remove, run again) as a student does. The
	// later steps (a second server, a network, 127.0.0.1) are run by
	// author test, per step and in course order.
	s = do("dockyard --lang ko learn postgres", short, "1/13 단계 · 이미지 받기", "docker pull postgres:15")
	capture("postgres-step", "dockyard --lang ko learn postgres", s)
	check("postgres-check-fail", short, "아직이에요")
	s = do("dockyard hint", short, "힌트 1/")
	capture("postgres-hint", "dockyard hint", s)

	do("docker pull postgres:15", long, "docker.io/library/postgres:15")
	do("docker images postgres", short, "15")
	check("postgres-pull-pass", short, "✓ 1단계 통과", "2/13 단계")

	do("mkdir -p /tmp/postgres-data", short, "$ ")
	do("ls -la /tmp/postgres-data", short, "total")
	check("", short, "✓ 2단계 통과", "3/13 단계")

	run := strings.Join([]string{
		"docker run -d --name postgres-sample \\",
		"  -p 5433:5432 \\",
		"  -e POSTGRES_USER=admin1 \\",
		"  -e POSTGRES_PASSWORD=admin2 \\",
		"  -e PGDATA=/var/lib/postgresql/data/pgdata \\",
		"  -v /tmp/postgres-data:/var/lib/postgresql/data:z \\",
		"  postgres:15",
	}, "\n")
	do(run, short, "$ ")
	do("docker ps", short, "postgres-sample")
	do("docker logs postgres-sample", short, "$ ")
	waitPgReady(t, tm)
	check("postgres-run-pass", long, "✓ 3단계 통과", "4/13 단계")

	// PGDATA's step: work in the data folder, then the question at check.
	do("ls /tmp/postgres-data/pgdata", short, "PG_VERSION")
	do("cat /tmp/postgres-data/pgdata/PG_VERSION > pg-version.txt", short, "$ ")
	tm.run("dockyard check")
	tm.waitFor(long, "? ", "> 보기 1") // its choices are too long for the picker: labels
	tm.settle()
	tm.keys("Down")
	tm.keys("Enter")
	tm.wait("✓ 4단계 통과", "5/13 단계")
	tm.waitPrompt(short)

	// Checking before creating the table: the check's own Korean hint.
	check("postgres-connect-fail", short, "아직이에요", "ships")
	tm.run("psql -h 127.0.0.1 -p 5433 -U admin1")
	tm.wait("admin1=#")
	tm.typeLine("CREATE TABLE ships (name text PRIMARY KEY);")
	tm.wait("\nCREATE TABLE\n")
	tm.typeLine("INSERT INTO ships VALUES ('Dockyard');")
	tm.wait("\nINSERT 0 1\n")
	tm.typeLine("SELECT * FROM ships;")
	tm.wait("(1 row)")
	tm.typeLine(`\q`)
	s = tm.waitPrompt(short)
	capture("postgres-psql", "psql -h 127.0.0.1 -p 5433 -U admin1", s)
	check("", short, "✓ 5단계 통과", "6/13 단계")

	do("docker stop postgres-sample", short, "postgres-sample")
	do("docker rm postgres-sample", short, "postgres-sample")
	do("docker ps -a", short, "CONTAINER ID")
	do("ls /tmp/postgres-data/pgdata", short, "PG_VERSION")
	check("", short, "✓ 6단계 통과", "7/13 단계")

	do(run, short, "$ ")
	do("docker logs postgres-sample", short, "$ ")
	waitPgReady(t, tm)
	s = do("psql -h 127.0.0.1 -p 5433 -U admin1 -c 'SELECT * FROM ships'", short, "(1 row)")
	capture("postgres-data-survives", "psql -h 127.0.0.1 -p 5433 -U admin1 -c 'SELECT * FROM ships'", s)
	check("postgres-done", long, "✓ 7단계 통과", "8/13 단계")

	s = do("dockyard progress", short, "postgres", "7/13")
	capture("progress", "dockyard progress", s)

	// What was saved: every step done, the hints asked, the menus' answers.
	saved := readProgress(t, filepath.Join(state, "dockyard", "progress.json"))
	for lesson, steps := range map[string][]string{
		"containers": {"first-run", "names", "detached", "exec", "stop", "start", "kill", "rm", "recap"},
		"postgres":   {"pull", "data-folder", "run", "pgdata", "connect", "remove", "run-again"},
	} {
		for _, id := range steps {
			if !saved.Lessons[lesson].Steps[id].Done {
				t.Errorf("progress: %s step %s not done", lesson, id)
			}
		}
	}
	// reset --step forgot first-run's progress, the hint asked with it.
	if h := saved.Lessons["containers"].Steps["first-run"].Hints; h != 0 {
		t.Errorf("progress: containers first-run hints = %d, want 0 (reset --step after the hint)", h)
	}
	if h := saved.Lessons["postgres"].Steps["pull"].Hints; h != 1 {
		t.Errorf("progress: postgres pull hints = %d, want 1", h)
	}
	for quiz, want := range map[string]string{"postgres-pgdata": "[2]"} {
		if got := fmt.Sprint(saved.Lessons["postgres"].Answers[quiz]); got != want {
			t.Errorf("progress: answer to %s = %s, want %s", quiz, got, want)
		}
	}
	if got := fmt.Sprint(saved.Lessons["containers"].Answers["containers-recap"]); got != "[2]" {
		t.Errorf("progress: answer to containers-recap = %s, want [2]", got)
	}

	// ---- debugging ----
	// The first step starts with a clock that crashed on a typo. Checking
	// before fixing it: the check's own Korean hint; the log names the
	// typo; the fixed command passes.
	s = do("dockyard --lang ko learn debugging", short, "1/10 단계 · 바로 종료되는 컨테이너", "docker logs clock")
	capture("debugging-step", "dockyard --lang ko learn debugging", s)
	check("debugging-check-fail", short, "아직이에요", "예전 clock을 지우고 sleep을 바르게 써서 다시 실행했나요?")
	do("docker logs clock", short, "sleeep: not found")
	do("docker rm clock", short, "clock")
	do("docker run -d --name clock busybox sh -c 'set -e; while true; do date; sleep 5; done'", short, "$ ")
	// The next step is a question about exit codes: its menu opens at
	// once; the right answer passes it.
	tm.run("dockyard check")
	tm.waitFor(short, "✓ 1단계 통과", "2/10 단계", "질문 1. docker run my-app ./start.sh가 종료 코드 126으로", "? 질문 1", "> 1. ")
	capture("debugging-crash-pass", "dockyard check", tm.settle())
	tm.keys("Down")
	tm.keys("Enter")
	tm.wait("✓ 2단계 통과", "3/10 단계")
	tm.waitPrompt(short)

	// ---- dockerfile ----
	// A Dockerfile without its RUN line builds, but its container cannot
	// find ps (127): the check says what 127 means, in Korean. With the
	// RUN line it passes.
	s = do("dockyard --lang ko learn dockerfile", short, "1/9 단계 · RUN으로 설치하고 WORKDIR로 폴더 정하기")
	capture("dockerfile-step", "dockyard --lang ko learn dockerfile", s)
	do("mkdir df-tools && cd df-tools", short, "$ ")
	do(`printf 'FROM debian:bookworm\nCOPY --from=busybox:latest /bin/busybox /usr/local/bin/busybox\nWORKDIR /work\nCMD ["sh", "-c", "pwd && ps"]\n' > Dockerfile`, short, "$ ")
	do("docker build -t df-tools .", long, "naming to docker.io/library/df-tools:latest")
	do("docker run --name df-tools-run df-tools", short, "ps: not found")
	check("dockerfile-check-fail", short, "아직이에요", "종료 코드가 127이었다면 ps를 찾지 못한 거예요")
	do(`printf 'FROM debian:bookworm\nCOPY --from=busybox:latest /bin/busybox /usr/local/bin/busybox\nRUN for tool in ps wget vi; do ln -s busybox /usr/local/bin/$tool; done\nWORKDIR /work\nCMD ["sh", "-c", "pwd && ps"]\n' > Dockerfile`, short, "$ ")
	do("docker build -t df-tools .", long, "naming to docker.io/library/df-tools:latest")
	do("docker rm df-tools-run && docker run --name df-tools-run df-tools", short, "/work", "PID")
	check("dockerfile-run-pass", short, "✓ 1단계 통과", "2/9 단계")
	do("cd ..", short, "$ ")

	// ---- safety ----
	// Published on every address first: the check asks for 127.0.0.1, in
	// Korean; published on loopback only, it passes.
	waitPortFree(t, "0.0.0.0:8085")
	s = do("dockyard --lang ko learn safety", short, "1/8 단계 · 127.0.0.1에만 공개하기")
	capture("safety-step", "dockyard --lang ko learn safety", s)
	do("docker run -d --name admin-panel -p 8085:80 nginx", long, "$ ")
	check("safety-check-fail", short, "아직이에요", "-p 8085:80이 아니라 -p 127.0.0.1:8085:80으로 공개하세요.")
	do("docker rm -f admin-panel", short, "admin-panel")
	do("docker run -d --name admin-panel -p 127.0.0.1:8085:80 nginx", short, "$ ")
	do("docker port admin-panel", short, "80/tcp -> 127.0.0.1:8085")
	do(`until curl -s http://127.0.0.1:8085/ | grep -q 'Welcome to nginx'; do sleep 0.5; done; printf 'nginx %s\n' answers`, short, "nginx answers")
	check("safety-localhost-pass", short, "✓ 1단계 통과", "2/8 단계")
}

// waitPgReady types pg_isready until the server takes connections, as a
// student retries it while the database starts.
func waitPgReady(t *testing.T, tm *term) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		tm.run("pg_isready -h 127.0.0.1 -p 5433")
		s := tm.waitFor(30*time.Second, "5433 - ")
		if strings.Contains(s, "accepting connections") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres never took connections; the screen shows:\n%s", s)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// waitPortFree waits for another test's use of a host port the lesson
// publishes to end.
func waitPortFree(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		l, err := net.Listen("tcp", addr)
		if err == nil {
			l.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("host port %s stays taken (the postgres lesson publishes it): %v", addr, err)
		}
		time.Sleep(time.Second)
	}
}

// testRoot is where .ci/setup bakes the lesson images: $DOCKYARD_TEST_ROOT,
// else /var/cache/dockyard-test.
func testRoot() string {
	if r := os.Getenv("DOCKYARD_TEST_ROOT"); r != "" {
		return r
	}
	return "/var/cache/dockyard-test"
}

// lessonMirror serves the baked lesson images refs (read from the test
// root's image store, an OCI layout) from a registry on loopback and
// returns its address as a mirror setting. It skips the test when the
// images are not baked.
func lessonMirror(t *testing.T, refs ...string) string {
	t.Helper()
	store := filepath.Join(testRoot(), "images")
	p, err := layout.FromPath(store)
	if err != nil {
		t.Skipf("needs the lesson images baked into %s (bash .ci/setup --test-images, or dockyard --root %s images prepare): %v", testRoot(), testRoot(), err)
	}
	idx, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	// refs.json names each tag's image, and each image its manifest.
	var refsFile struct {
		Refs   map[string]string
		Images map[string]struct{ Manifest string }
	}
	data, err := os.ReadFile(filepath.Join(store, "refs.json"))
	if err == nil {
		err = json.Unmarshal(data, &refsFile)
	}
	if err != nil {
		t.Fatalf("the image store's refs.json: %v", err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, ref := range refs {
		id, ok := refsFile.Refs["docker.io/library/"+ref]
		if !ok {
			t.Skipf("needs the lesson image %s baked into %s (bash .ci/setup --test-images, or dockyard --root %s images prepare)", ref, testRoot(), testRoot())
		}
		digest, err := v1.NewHash(refsFile.Images[id].Manifest)
		if err != nil {
			t.Fatalf("image %s in %s: manifest digest: %v", ref, store, err)
		}
		img, err := idx.Image(digest)
		if err != nil {
			t.Fatalf("image %s in %s: %v", ref, store, err)
		}
		tag, err := name.ParseReference(host+"/library/"+ref, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(tag, img); err != nil {
			t.Fatalf("serve %s on the loopback mirror: %v", ref, err)
		}
	}
	return srv.URL
}

// normalisers make a screen comparable between runs: what changes from one
// run to the next becomes a placeholder.
var normalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\b[0-9a-f]{64}\b`), "<ID64>"},
	{regexp.MustCompile(`\b[0-9a-f]{12}\b`), "<ID>"},
	{regexp.MustCompile(`(\d+|About an?|Less than a|an?) (second|minute|hour)s? ago`), "<WHEN> ago"},
	{regexp.MustCompile(`Up (\d+|About an?|Less than a|an?) (second|minute|hour)s?`), "Up <WHILE>"},
	{regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|ms|s|m|h)\b`), "<DUR>"},
	{regexp.MustCompile(`\b\d+(\.\d+)?초`), "<DUR>"},
	// The clock time a container exited at, in a check's feedback.
	{regexp.MustCompile(`\b\d{2}:\d{2}(:\d{2})?\b`), "<TIME>"},
	// psql's banner names the client's and the server's versions, which
	// move with Debian's point releases.
	{regexp.MustCompile(`(?m)^psql \(.*\)$`), "psql (<VERSIONS>)"},
	{regexp.MustCompile(`[ \t]+\n`), "\n"},
}

func normalise(screen string, paths ...string) string {
	screen += "\n" // the last line's trailing blanks go too
	for _, p := range paths {
		screen = strings.ReplaceAll(screen, p, "<TMP>")
	}
	for _, n := range normalisers {
		screen = n.re.ReplaceAllString(screen, n.with)
	}
	return strings.TrimRight(screen, "\n") + "\n"
}

// compareGolden compares a normalised screen with testdata/walk/name.golden
// (or writes it there with -update).
func compareGolden(t *testing.T, name, screen string, paths ...string) {
	t.Helper()
	got := normalise(screen, paths...)
	file := filepath.Join("testdata", "walk", name+".golden")
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
	if errors.Is(err, os.ErrNotExist) {
		t.Errorf("no golden screen %s (run the test with -update); the screen is:\n%s", file, got)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, []byte(got)) {
		t.Errorf("screen %s differs from its golden file (-update rewrites it)\n--- want\n%s\n--- got\n%s\n--- first difference: %s", name, want, got, firstDiff(string(want), got))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return fmt.Sprintf("line %d: want %q, got %q", i+1, al[i], bl[i])
		}
	}
	return fmt.Sprintf("want %d lines, got %d", len(al), len(bl))
}

// TestNormaliseScreen shows what the golden screens ignore: ids, times,
// durations, temp paths, psql's versions, trailing blanks; and what they
// keep.
func TestNormaliseScreen(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"9b2e4c1d7a30   busybox   \"sh\"   10 seconds ago   Exited (0) 9 seconds ago", "<ID>   busybox   \"sh\"   <WHEN> ago   Exited (0) <WHEN> ago"},
		{"Up About a minute", "Up <WHILE>"},
		{"About an hour ago", "<WHEN> ago"},
		{"sha256:" + strings.Repeat("ab", 32), "sha256:<ID64>"},
		{"lesson images ready in 19.5s", "lesson images ready in <DUR>"},
		{"1.2초 걸렸습니다", "<DUR> 걸렸습니다"},
		{"ticker가 실행 중이 아니에요 (16:08에 종료 코드 0으로", "ticker가 실행 중이 아니에요 (<TIME>에 종료 코드 0으로"},
		{"psql (15.18 (Debian 15.18-0+deb12u1), server 15.20 (Debian 15.20-0+deb12u1))", "psql (<VERSIONS>)"},
		{"progress: /tmp/dy-walk123/state/progress.json  ", "progress: <TMP>/state/progress.json"},
		// Kept: ports, exit codes, lesson minutes, names.
		{"-p 5433:5432 Exited (137) · 약 25분 ticker", "-p 5433:5432 Exited (137) · 약 25분 ticker"},
	} {
		if got := normalise(tc.in, "/tmp/dy-walk123"); got != tc.want+"\n" {
			t.Errorf("normalise(%q) = %q, want %q", tc.in, got, tc.want+"\n")
		}
	}
}
