package checker_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/fake"
)

// properNouns may stay in Latin script in Korean text, as Korean technical
// writing keeps them.
var properNouns = []string{"Docker", "Dockerfile", "Dockyard", "Compose", "PostgreSQL", "VM", "GET", "PORTS", "KB", "MB", "GB"}

var (
	inlineCode = regexp.MustCompile("`[^`]*`")
	latinWord  = regexp.MustCompile(`[A-Za-z][A-Za-z]+`)
)

// englishIn returns the Latin-script words of a Korean message that are
// neither code (in backticks), nor a value the check put in (a name, an
// address, a command, output), nor a proper noun.
func englishIn(msg string, values []string) []string {
	// Longest first, so "web1" is taken out before "web".
	slices.SortFunc(values, func(a, b string) int { return len(b) - len(a) })
	msg = inlineCode.ReplaceAllString(msg, " ")
	for _, v := range values {
		if v != "" {
			msg = strings.ReplaceAll(msg, v, " ")
		}
	}
	var out []string
	for _, w := range latinWord.FindAllString(msg, -1) {
		if !slices.Contains(properNouns, w) {
			out = append(out, w)
		}
	}
	return out
}

// TestKoreanHasNoEnglish renders every catalog message and every check
// kind's failures in Korean (the golden cases, the waits, the engine
// faults) and finds no English in them outside code, names and values.
func TestKoreanHasNoEnglish(t *testing.T) {
	w := newWorld(t)
	env := checker.Env{Engine: w.engine, Lang: "ko", NoRetry: true, Quizzes: fake.Quizzes{"q-right": true, "q-wrong": false}}
	seen := map[string]bool{}
	for _, tc := range evalCases {
		src := w.expand(tc.src)
		res := evalOne(t, w, env, tc.src)
		if res.Status == checker.Pass {
			continue
		}
		for _, f := range res.Findings {
			seen[f.Key] = true
		}
		if strings.Contains(tc.src, "hint:") || strings.Contains(tc.name, "broken") || strings.Contains(tc.name, "unknown record") {
			continue // the lesson's own text, or an author's parse error
		}
		// Values: every word of the check's own source (names, paths,
		// commands, expected output) and what the engine holds.
		values := append(strings.Fields(strings.NewReplacer(":", " ", "[", " ", "]", " ", ",", " ", "{", " ", "}", " ").Replace(src)),
			append(worldValues, strings.Split(w.dir, "/")...)...)
		for _, line := range append(strings.Split(res.Message, "\n"), res.Name) {
			if words := englishIn(line, values); len(words) > 0 {
				t.Errorf("%s: English %q in Korean text:\n%s", tc.name, words, line)
			}
		}
	}
	for _, k := range checker.KoreanKeys() {
		for _, line := range []string{checker.RenderKorean(k, sampleData)} {
			if words := englishIn(line, sampleValues); len(words) > 0 {
				t.Errorf("message %s: English %q in Korean text:\n%s", k, words, line)
			}
			if strings.Contains(line, "<no value>") {
				t.Errorf("message %s has a hole: %s", k, line)
			}
		}
	}
	_ = context.Background
}

// worldValues are what the golden world's engine holds and shows: states
// of containers are translated, so they are not among them.
var worldValues = []string{"/bin/sh", "SIGKILL", "composed", "busybox", "deps", "latest", "nginx", "postgres", "my-app", "debian", "bookworm", "alpine",
	"docker-entrypoint.sh", "PATH", "APP_ENV", "POSTGRES_USER", "POSTGRES_DB", "admin1", "admin", "maintainer",
	"version", "bridge", "macvlan", "volume", "bind", "tcp", "udp", "pgdata", "my-net", "my-volume", "dockyard",
	"hello", "from", "web", "alice", "bob", "carol", "sh", "not", "found", "oops", "cloud", "amd64", "rpi", "uname",
	"fc", "root", "app", "serve", "missing", "users", "select", "name", "order", "by", "id", "true", "false", "read-write", "read-only", "none", "any", "unless-stopped",
	"always", "course", "other", "goodbye", "harbour", "echo", "srv", "data", "lib", "postgresql", "notes", "txt",
	"sqlite", "db", "database", "tiny", "runs", "of", "busybox containers", "running busybox", "web servers",
	"on my-net", "image", "status", "running", "exited", "kB", "sha256", "bin", "etc", "hostname", "cat", "exit",
	"Not Found", "page", "http", "www", "not found", "is", "the", "was", "localhost", "dev", "DEBUG", "you", "host",
	"serve", "label", "env", "crashed", "first", "held", "made", "quiet", "postgres-sample", "pg-stopped", "pg-anon", "stale", "misordered", "alpine", "daily-report", "local", "nfs", "entrypoint", "cmd", "workdir", "layers", "base", "exposes", "prod", "me", "proj", "cache"}

// sampleData fills every template field with a value for the rendering of
// the whole catalog.
var sampleData = map[string]any{"subject": "web1", "container": "web1", "want": "5433", "found": "exited",
	"code": 0, "at": "14:02", "port": "5432/tcp", "command": "cat /etc/hostname", "argv": "cat /etc/hostname",
	"error": "연결 거부", "hint": "힌트", "memory": "128 MB", "timeout": 3, "limit": 3, "label": "web1",
	"path": "notes.txt", "destination": "/data", "network": "my-net", "filter": "web1", "names": "web1",
	"user": "admin1", "database": "admin1", "query": "select 1", "host": "127.0.0.1", "from": "web1",
	"base": "busybox", "name": "ships", "step": "RUN make", "message": "oops", "errored": 1, "total": 2, "oom": true, "stderr": "oops", "repo": "busybox", "signal": "SIGKILL", "signum": 9,
	"image": "busybox", "closest": "web1", "differs": "status=exited", "nets": "my-net", "fromnets": "my-net", "near": "web2", "project": "ships", "inside": 8087, "absent": "web2"}

var sampleValues = []string{"web2", "web1", "status=exited", "RUN make", "exited", "5432/tcp", "cat /etc/hostname", "notes.txt", "/data", "my-net",
	"admin1", "select 1", "busybox", "oops", "ships", "MB", "tcp", "SIGKILL"}

// formal finds the 합니다체 endings (…습니다, …합니다, …입니까, …하십시오).
var formal = regexp.MustCompile(`[가-힣](니다|니까|십시오)`)

// TestKoreanSpeaksHaeyo renders every message of the Korean catalog and
// finds it in 해요체, the style of the lessons beside it (…해요, …하세요):
// a check's finding in 합니다체 under a lesson in 해요체 reads as two voices.
func TestKoreanSpeaksHaeyo(t *testing.T) {
	for _, k := range checker.KoreanKeys() {
		line := checker.RenderKorean(k, sampleData)
		if m := formal.FindString(line); m != "" {
			t.Errorf("message %s: %q is 합니다체, want 해요체:\n%s", k, m, line)
		}
	}
}
