package checker_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/checker"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestParseValid(t *testing.T) {
	src := `container: postgres-sample
running: true
port: 5433->5432/tcp
env: [POSTGRES_USER=admin1]
mount: {destination: /var/lib/postgresql/data, type: bind}
hint:
  en: Look at -p and -e in your docker run command.
  ko: docker run 명령의 -p 와 -e 옵션을 확인해 보세요.
timeout: 3s
`
	c, err := checker.Parse(checker.Block{Source: src, File: "lesson.en.md", Line: 10})
	if err != nil {
		t.Fatalf("Parse() error = %v", err)
	}
	if c.Kind != checker.KindContainer || c.Subject != "postgres-sample" || c.Name != "container postgres-sample" {
		t.Errorf("Parse() = kind %q subject %q name %q, want container postgres-sample", c.Kind, c.Subject, c.Name)
	}
	if c.Where() != "lesson.en.md:11" {
		t.Errorf("Where() = %q, want lesson.en.md:11", c.Where())
	}
	if c.Timeout != 3*time.Second {
		t.Errorf("Timeout = %v, want 3s", c.Timeout)
	}
	if got := c.Hint.In("ko"); !strings.HasPrefix(got, "docker run") {
		t.Errorf("Hint.In(ko) = %q", got)
	}
	if got := c.Hint.In("fr"); !strings.HasPrefix(got, "Look at") {
		t.Errorf("Hint.In(fr) = %q, want the English hint", got)
	}
}

// TestParseEveryKind parses a block of each kind with all its fields.
func TestParseEveryKind(t *testing.T) {
	blocks := map[checker.Kind]string{
		checker.KindImage: `image: my-app:1.0
absent: false
labels: {maintainer: me}
env: [APP_ENV=prod]
exposes: [8080/tcp, "53/udp"]
entrypoint: [/app]
cmd: --serve
workdir: /srv
user: app
base: debian:bookworm
layers: 3`,
		checker.KindContainer: `container: web
absent: false
running: true
status: running
exit_code: 0
image: nginx
env: [A=1, B]
port: 8080->80
ports: [127.0.0.1:8443->443/tcp, 53/udp]
mount: /data
mounts: [{type: volume, source: v, destination: /v, read_only: true}, /x]
network: my-net
networks: [my-net, other]
aliases: [web]
restart: unless-stopped
restart_count: 1
user: "1000"
command: [nginx, -g, daemon off;]`,
		checker.KindContainers: `containers: web servers
image: nginx
status: running
name: ^web[0-9]+$
label: {tier: front}
network: my-net
min: 2
max: 3`,
		checker.KindNetwork:  "network: my-net\ndriver: bridge\nsubnet: 172.30.0.0/16\ngateway: 172.30.0.1\ninternal: false\ncontainers: [a, b]",
		checker.KindVolume:   "volume: data\ndriver: local\nlabel: {a: b}\ncontainers: [db]\nfile: {path: notes.txt, contains: hello}",
		checker.KindExec:     "exec: web1\ncommand: wget -qO- http://web2\nuser: root\nexit_code: 0\nstdout: hi\nstdout_contains: h\nstdout_matches: ^h",
		checker.KindHTTP:     "http: http://127.0.0.1:8080/\nstatus: 200\nbody_contains: hi\nbody_matches: h.\nfrom: web1",
		checker.KindTCP:      "tcp: 127.0.0.1:5433\nopen: false\nfrom: web1",
		checker.KindPostgres: "postgres: 127.0.0.1:5433\nuser: admin1\npassword: secret\ndatabase: app\nquery: select name from users\nrows: [[alice], [bob]]\nrows_contain: [alice, [bob]]\nfrom: web1",
		checker.KindFile:     "file: /tmp/x\nabsent: false\ndir: false\ncontains: hi\nmatches: h.",
		checker.KindQuiz:     "quiz: layers-1",
		checker.KindCommand:  "command: test -s /tmp/x\nexit_code: 0\nstdout_contains: a\nstdout_matches: b",
		checker.KindVM:       "vm: last-run",
		checker.KindBuild:    "build: last\ntag: app:v2\ncached: [RUN]\nrebuilt: [COPY app.sh]",
	}
	for _, k := range checker.Kinds {
		src, ok := blocks[k]
		if !ok {
			t.Errorf("no block for kind %s", k)
			continue
		}
		c, err := checker.Parse(checker.Block{Source: src, File: "l.md", Line: 1})
		if err != nil {
			t.Errorf("Parse(%s) error = %v", k, err)
			continue
		}
		if c.Kind != k {
			t.Errorf("Parse(%s).Kind = %s", k, c.Kind)
		}
	}
}

// TestParseErrors shows every kind of bad input with the message and the
// file:line author lint prints (testdata/parse.golden).
func TestParseErrors(t *testing.T) {
	cases := []struct{ name, src string }{
		{"malformed YAML", "container: web\n  running: true\nport: [5433"},
		{"tab indentation", "container: web\n\trunning: true"},
		{"empty block", ""},
		{"empty mapping", "{}"},
		{"not a mapping", "- container: web"},
		{"a bare word", "container"},
		{"no kind", "name: web\nrunning: true"},
		{"unknown kind", "contianer: web\nrunning: true"},
		{"two kinds", "image: nginx\ncontainer: web\nrunning: true"},
		{"retry count on a policy without one", "container: web\nrestart: always:3"},
		{"retry count not a number", "container: web\nrestart: on-failure:three"},
		{"misspelt field", "container: web\nrunnig: true"},
		{"missing subject", "container:\nrunning: true"},
		{"list as subject", "container: [a, b]"},
		{"unknown field", "container: web\nrunning: true\nports_published: 8080"},
		{"wrong types", "container: web\nrunning: yes please\nexit_code: zero\nenv: {A: 1}\nport: [8080->80]"},
		{"bad enum values", "container: web\nstatus: sleeping\nrestart: sometimes"},
		{"bad ports", "container: web\nport: 80->http\nports: [5432/xtp, 99999]"},
		{"bad mount", "container: web\nmount: {dest: /data}\n"},
		{"relative mount", "container: web\nmount: data"},
		{"duplicate field", "container: web\nrunning: true\nrunning: false"},
		{"bad timeout", "http: http://127.0.0.1/\ntimeout: forever\nstatus: ok"},
		{"timeout too long", "tcp: 127.0.0.1:80\ntimeout: 10m"},
		{"bad regex", "exec: web\ncommand: ls\nstdout_matches: ([a-z]"},
		{"exec without command", "exec: web\nstdout: hi"},
		{"bad url", "http: 127.0.0.1:8080\nstatus: 200"},
		{"bad address", "tcp: localhost\npostgres: nope"},
		{"bad rows", "postgres: 127.0.0.1:5432\nrows: [alice]"},
		{"count with min", "containers: web\ncount: 2\nmin: 1"},
		{"volume file without path", "volume: v\nfile: {contains: x}"},
		{"hint of wrong shape", "file: /tmp/x\nhint: [a, b]"},
		{"many problems at once", "container: web\nrunning: 1\nstatus: up\nimage: [nginx]\nnope: 1"},
		{"field that is also a kind, wrong type", "containers: web\nnetwork: [a]"},
	}
	var b strings.Builder
	for _, tc := range cases {
		_, err := checker.Parse(checker.Block{Source: tc.src, File: "content/lessons/demo/lesson.en.md", Line: 20})
		var pe *checker.ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%s) error = %v, want a *ParseError", tc.name, err)
			continue
		}
		fmt.Fprintf(&b, "## %s\n%s\n--\n%s\n\n", tc.name, tc.src, pe.Error())
	}
	golden(t, "parse.golden", b.String())
}

func TestLintWarnsOnCommand(t *testing.T) {
	c, err := checker.Parse(checker.Block{Source: "command: test -s /tmp/x", File: "l.md", Line: 4})
	if err != nil {
		t.Fatal(err)
	}
	w := checker.Lint(c)
	if len(w) != 1 || w[0].Line != 5 || !strings.Contains(w[0].Message, "prefer a declarative kind") {
		t.Errorf("Lint(command) = %v, want one warning at line 5", w)
	}
	c, _ = checker.Parse(checker.Block{Source: "container: web", File: "l.md", Line: 4})
	if w := checker.Lint(c); len(w) != 0 {
		t.Errorf("Lint(container) = %v, want none", w)
	}
	c, _ = checker.Parse(checker.Block{Source: "command: test \"$(cat n)\" -eq \"$(docker ps -aq | wc -l)\"\nwhy: compares the answer with the engine", File: "l.md", Line: 4})
	if w := checker.Lint(c); len(w) != 0 {
		t.Errorf("Lint(command with why) = %v, want none", w)
	}
}

// FuzzParse: whatever a lesson holds, Parse returns a check or a
// *ParseError with at least one problem, and never panics.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"container: web\nrunning: true\nport: 5433->5432/tcp", "{}", "- a", "exec: w\ncommand: [a, b]",
		"postgres: h:1\nrows_contain: [a, [b]]", "volume: v\nfile: {path: a}", "container: x\nmount: [{destination: /a}]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		done := make(chan struct{})
		var c checker.Check
		var err error
		go func() {
			defer close(done)
			c, err = checker.Parse(checker.Block{Source: src, File: "f.md", Line: 1})
		}()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
			t.Fatalf("Parse(%q) did not return within 2s", src)
		}
		var pe *checker.ParseError
		switch {
		case err == nil && c.Kind == "":
			t.Errorf("Parse(%q) = a check without kind", src)
		case err != nil && (!errors.As(err, &pe) || len(pe.Problems) == 0):
			t.Errorf("Parse(%q) error = %v, want a *ParseError with problems", src, err)
		}
	})
}
