package checker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/fake"
)

// world is the fake engine state every evaluate test starts from, and the
// addresses of the servers it runs on loopback.
type world struct {
	engine  *fake.Engine
	web     string // http://127.0.0.1:port
	webAddr string // 127.0.0.1:port
	closed  string // 127.0.0.1:port with nothing listening, published by container quiet
	free    string // 127.0.0.1:port that no container publishes
	pg      string
	dir     string
}

// freeAddr returns a loopback address with nothing listening.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// longAgo is when the world's settled containers started and stopped.
var longAgo = time.Date(2026, 1, 2, 14, 2, 0, 0, time.Local)

func newWorld(t *testing.T) *world {
	t.Helper()
	closed, free := freeAddr(t), freeAddr(t)
	closedPort, _ := strconv.Atoi(strings.TrimPrefix(closed, "127.0.0.1:"))
	e := &fake.Engine{}
	e.AddImage(checker.Image{ID: "sha256:1111111111111111aaaa", Tags: []string{"busybox:latest"},
		Env: []string{"PATH=/bin"}, Cmd: []string{"sh"}, Layers: []string{"l1"}})
	e.AddImage(checker.Image{ID: "sha256:2222222222222222bbbb", Tags: []string{"debian:bookworm"}, Layers: []string{"d1"}})
	e.AddImage(checker.Image{ID: "sha256:3333333333333333cccc", Tags: []string{"my-app:1.0"},
		Labels: map[string]string{"maintainer": "me", "dockyard.step": "intro/first-run"}, Env: []string{"PATH=/bin", "APP_ENV=prod"},
		Exposed: []string{"8080/tcp"}, Entrypoint: []string{"/app"}, Cmd: []string{"--serve"},
		WorkingDir: "/srv", User: "app", Layers: []string{"l1", "l2", "l3"}})
	e.AddImage(checker.Image{ID: "sha256:4444444444444444dddd", Tags: []string{"postgres:15"}})
	// Pulled from localhost:5000, then named again by a docker tag.
	e.AddImage(checker.Image{ID: "sha256:6666666666666666ffff", Tags: []string{"localhost:5000/pulled:v1", "localhost:5000/tagged:v1"},
		Digests: []string{"localhost:5000/pulled@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}})
	// ENTRYPOINT echo hello and CMD echo harbour: both in shell form.
	e.AddImage(checker.Image{ID: "sha256:5555555555555555eeee", Tags: []string{"hello-sh:latest"},
		Entrypoint: []string{"/bin/sh", "-c", "echo hello"}, Cmd: []string{"/bin/sh", "-c", "echo harbour"}})
	e.AddNetwork(checker.Network{Name: "my-net", Driver: "bridge", Subnets: []string{"172.30.0.0/16"},
		Gateways: []string{"172.30.0.1"}, Labels: map[string]string{"dockyard.step": "networks/create"}})
	e.AddNetwork(checker.Network{Name: "step-net", Driver: "bridge", Labels: map[string]string{"dockyard.step": "intro/first-run"}})
	e.AddNetwork(checker.Network{Name: "proj_default", Driver: "bridge", Labels: map[string]string{"com.docker.compose.project": "proj", "com.docker.compose.network": "default"}})
	e.AddVolume(checker.Volume{Name: "my-volume", Driver: "local", Labels: map[string]string{"course": "dockyard", "dockyard.step": "intro/first-run"}},
		map[string]string{"notes.txt": "hello volume\n"})
	e.AddVolume(checker.Volume{Name: "old-volume", Driver: "local"}, nil)
	// What docker compose up made of a compose.yaml without name: shipyard
	// in a folder proj.
	e.AddVolume(checker.Volume{Name: "proj_pgdata", Driver: "local",
		Labels: map[string]string{"com.docker.compose.project": "proj", "com.docker.compose.volume": "pgdata"}}, nil)
	e.AddContainer(checker.Container{Name: "postgres-sample", Image: "postgres:15", ImageID: "sha256:4444444444444444dddd",
		Status: "running", Env: []string{"POSTGRES_USER=admin1", "PGDATA=/var/lib/postgresql/data"},
		Ports:   []checker.Port{{ContainerPort: 5432, Proto: "tcp", HostPort: 5434}},
		Mounts:  []checker.Mount{{Type: "bind", Source: "/srv/pgdata", Destination: "/var/lib/postgresql/data"}},
		Restart: "always", Command: []string{"docker-entrypoint.sh", "postgres"},
		Networks: []checker.Endpoint{{Network: "my-net", IP: "172.30.0.2", Aliases: []string{"db"}}}})
	// misordered: docker run --name misordered alpine -m 32m tail /dev/zero,
	// the option after the image, so "-m" was the command and never started.
	e.AddContainer(checker.Container{Name: "misordered", Image: "alpine", Status: "created", ExitCode: 127,
		Command: []string{"-m", "32m", "tail", "/dev/zero"}})
	e.AddContainer(checker.Container{Name: "first", Image: "busybox", ImageID: "sha256:1111111111111111aaaa",
		Status: "exited", ExitCode: 0, Labels: map[string]string{"dockyard.step": "intro/first-run"}, Command: []string{"echo", "hello"}})
	e.AddContainer(checker.Container{Name: "hello-sh-run", Image: "hello-sh", ImageID: "sha256:5555555555555555eeee",
		Status: "exited", ExitCode: 0, FinishedAt: longAgo, Command: []string{"/bin/sh", "-c", "echo hello", "harbour"}})
	// on-failure:3, given up; on-failure with no limit, still trying.
	e.AddContainer(checker.Container{Name: "flaky", Image: "flaky-app", Status: "exited", ExitCode: 1,
		Restart: "on-failure", RestartMax: 3, RestartCount: 3, FinishedAt: longAgo})
	e.AddContainer(checker.Container{Name: "flaky-forever", Image: "flaky-app", Status: "exited", ExitCode: 1,
		Restart: "on-failure", RestartCount: 3, FinishedAt: longAgo})
	e.AddContainer(checker.Container{Name: "crashed", Image: "busybox", Status: "exited", ExitCode: 2, FinishedAt: longAgo})
	// Run from my-app:1.0 before it was built again (another image id).
	e.AddContainer(checker.Container{Name: "stale", Image: "my-app:1.0", ImageID: "sha256:3333333333333333ffff",
		Status: "exited", ExitCode: 127, FinishedAt: longAgo})
	e.AddContainer(checker.Container{Name: "pg-stopped", Image: "postgres:15", Status: "exited", ExitCode: 0,
		StartedAt: longAgo, FinishedAt: longAgo, Bindings: []checker.Port{{ContainerPort: 5432, Proto: "tcp", HostPort: 5435}}})
	e.AddContainer(checker.Container{Name: "quiet", Image: "debian:bookworm", Status: "running", StartedAt: longAgo,
		Memory: 128 << 20, Ports: []checker.Port{{ContainerPort: 80, Proto: "tcp", HostPort: closedPort}}})
	e.AddContainer(checker.Container{Name: "made", Image: "debian:bookworm", Status: "created",
		Labels: map[string]string{"dockyard.step": "intro/first-run", "dockyard.setup": "intro/first-run"}})
	e.AddContainer(checker.Container{Name: "pg-anon", Image: "postgres:15", Status: "running", StartedAt: longAgo,
		Mounts: []checker.Mount{{Type: "volume", Source: strings.Repeat("d4", 32), Destination: "/var/lib/postgresql/data"}}})
	e.AddContainer(checker.Container{Name: "held", Image: "debian:bookworm", Status: "paused", StartedAt: longAgo})
	e.AddContainer(checker.Container{Name: "hog", Image: "debian:bookworm", Status: "exited", ExitCode: 137, OOMKilled: true, FinishedAt: longAgo})
	e.AddContainer(checker.Container{Name: "db-healthy", Image: "postgres", Status: "running", Health: "healthy"})
	e.AddContainer(checker.Container{Name: "composed", Image: "alpine", Status: "exited", FinishedAt: longAgo,
		Labels: map[string]string{"com.docker.compose.project": "capstone", "com.docker.compose.service": "cache"},
		Mounts: []checker.Mount{{Type: "bind", Source: "/srv/pgdata", Destination: "/data"}}})
	e.AddVolume(checker.Volume{Name: "proj_cache", Driver: "local",
		Labels: map[string]string{"com.docker.compose.project": "proj", "com.docker.compose.volume": "cache"}}, nil)
	e.AddContainer(checker.Container{Name: "proj-cache-1", Image: "redis", Status: "running", StartedAt: longAgo,
		Mounts: []checker.Mount{{Type: "volume", Source: "proj_cache", Destination: "/data"}},
		Ports:  []checker.Port{{ContainerPort: 8087, Proto: "tcp", HostPort: 80}},
		Labels: map[string]string{"com.docker.compose.project": "proj", "com.docker.compose.service": "cache", "com.docker.compose.container-number": "1"}})
	e.AddContainer(checker.Container{Name: "web1", Image: "busybox", ImageID: "sha256:1111111111111111aaaa", Status: "running",
		Mounts:   []checker.Mount{{Type: "volume", Source: "my-volume", Destination: "/data", ReadOnly: true}},
		Networks: []checker.Endpoint{{Network: "my-net", IP: "127.0.0.1"}}})
	zero := 0
	e.VM = &checker.VMRun{Command: []string{"uname", "-r"}, ExitCode: &zero,
		GuestKernel: "6.1.0-56-cloud-amd64", HostKernel: "6.18.44-fc-v669", KernelDiffersFromHost: true}
	e.Build = &checker.Build{Tags: []string{"deps-app:v2"}, Steps: []checker.BuildStep{
		{Instruction: "FROM docker.io/library/debian:bookworm"},
		{Instruction: "COPY deps.txt .", Cached: true},
		{Instruction: "RUN ./install-deps.sh", Cached: true},
		{Instruction: "COPY . .", Cached: false},
	}}
	e.ExecHandler = func(_ string, cmd []string, _ string) checker.ExecResult {
		switch strings.Join(cmd, " ") {
		case "sh -c cat /etc/hostname":
			return checker.ExecResult{Stdout: "web1\n"}
		case "sh -c exit 3":
			return checker.ExecResult{ExitCode: 3, Stderr: "oops\n"}
		case "sh -c sleep 10":
			time.Sleep(4 * time.Second)
			return checker.ExecResult{}
		}
		return checker.ExecResult{ExitCode: 127, Stderr: "sh: not found\n"}
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "hello from web")
	}))
	t.Cleanup(srv.Close)
	pg := startPGServer(t, "secret", map[string][][]string{
		"select 1":                               {{"1"}},
		"select name from users order by id":     {{"alice"}, {"bob"}},
		"select id, name from users order by id": {{"1", "alice"}, {"2", "bob"}},
	})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("dockyard notes\n"), 0o644)
	// daily-report: docker cp reporter:/var/reports/daily-7.txt /tmp/daily-report, the .txt left out.
	os.WriteFile(filepath.Join(dir, "daily-report"), []byte("total: 42 orders\n"), 0o644)
	return &world{engine: e, web: srv.URL, webAddr: strings.TrimPrefix(srv.URL, "http://"), closed: closed, free: free, pg: pg.addr, dir: dir}
}

// expand fills a case's placeholders with the world's addresses.
func (w *world) expand(s string) string {
	return strings.NewReplacer("{web}", w.web, "{webaddr}", w.webAddr, "{closed}", w.closed, "{free}", w.free, "{pg}", w.pg, "{dir}", w.dir).Replace(s)
}

// scrub turns the world's addresses back into placeholders, for golden files.
func (w *world) scrub(s string) string {
	s = strings.NewReplacer(w.web, "{web}", w.webAddr, "{webaddr}", w.closed, "{closed}", w.free, "{free}", w.pg, "{pg}", w.dir, "{dir}").Replace(s)
	s = regexp.MustCompile(`127\.0\.0\.1:\d+`).ReplaceAllString(s, "127.0.0.1:PORT")
	s = regexp.MustCompile(`port \d{4,5}\b`).ReplaceAllString(s, "port PORT")
	s = regexp.MustCompile(`\b\d{4,5}번 포트`).ReplaceAllString(s, "PORT번 포트")
	return regexp.MustCompile(`-p \d+`).ReplaceAllString(s, "-p PORT")
}

// evalCases are checks against the world: every kind, passing and failing,
// so that every message of the catalog is shown in testdata/messages.*.golden.
var evalCases = []struct {
	name string
	src  string
	want checker.Status
}{
	{"image present", "image: busybox", checker.Pass},
	{"image all fields", "image: my-app:1.0\nlabel: {maintainer: me}\nenv: [APP_ENV=prod, PATH]\nexposes: [8080]\nentrypoint: [/app]\ncmd: --serve\nworkdir: /srv\nuser: app\nlayers: 3\nbase: busybox", checker.Pass},
	{"image missing", "image: nginx:1.25", checker.Fail},
	{"image missing, its repository under another tag", "image: busybox:v1", checker.Fail},
	{"image missing, a repository one letter away", "image: my-ap:1.0", checker.Fail},
	{"image should be absent", "image: busybox\nabsent: true", checker.Fail},
	{"image absent", "image: nginx\nabsent: true", checker.Pass},
	{"image every difference", "image: my-app:1.0\nlabel: {maintainer: you, version: '2'}\nenv: [APP_ENV=dev, DEBUG]\nexposes: [80/tcp]\nentrypoint: [/bin/app]\ncmd: [serve]\nworkdir: /app\nuser: root\nlayers: 2\nbase: debian:bookworm", checker.Fail},
	{"image entrypoint and cmd in shell form", "image: hello-sh\nentrypoint: [echo, hello]\ncmd: [harbour]", checker.Fail},
	{"container runs a shell-form entrypoint", "container: hello-sh-run\ncommand: [echo, hello, harbour]", checker.Fail},
	{"image base missing", "image: my-app:1.0\nbase: alpine:3.19", checker.Fail},

	{"container passes", "container: postgres-sample\nrunning: true\nstatus: running\nport: 5434->5432/tcp\nenv: [POSTGRES_USER=admin1]\nmount: {destination: /var/lib/postgresql/data, type: bind, source: /srv/pgdata, read_only: false}\nnetwork: my-net\naliases: [db]\nrestart: always\nimage: postgres:15\ncommand: [docker-entrypoint.sh, postgres]", checker.Pass},
	{"container image by id", "container: first\nimage: busybox:latest\nstatus: exited\nexit_code: 0", checker.Pass},
	{"container wrong port", "container: postgres-sample\nport: 5433->5432/tcp", checker.Fail},
	{"container port not published", "container: postgres-sample\nports: [8080->80, 53/udp]", checker.Fail},
	{"container port reversed", "container: postgres-sample\nport: 5432->5434/tcp", checker.Fail},
	{"Compose's container port reversed", "container: proj-cache-1\nport: 8087->80/tcp", checker.Fail},
	{"Compose's container port not published", "container: proj-cache-1\nport: 6379", checker.Fail},
	{"container any host port", "container: postgres-sample\nport: 5432", checker.Pass},
	{"container missing", "container: pg\nrunning: true", checker.Fail},
	{"container whose command never started", "container: misordered\nrunning: true", checker.Fail},
	{"Compose's container missing", "container: shipyard-db-1\nrunning: true", checker.Fail},
	{"Compose's container made in another project", "container: shipyard-cache-1\nrunning: true", checker.Fail},
	{"container stopped, its ports right", "container: pg-stopped\nport: 5435->5432/tcp", checker.Fail},
	{"container stopped, want running", "container: pg-stopped\nrunning: true\nport: 5435->5432/tcp", checker.Fail},
	{"container created, want running", "container: made\nrunning: true", checker.Fail},
	{"container should be absent", "container: first\nabsent: true", checker.Fail},
	{"container absent", "container: gone\nabsent: true", checker.Pass},
	{"container exited, want running", "container: crashed\nrunning: true", checker.Fail},
	{"container running, want stopped", "container: web1\nrunning: false\nstatus: exited", checker.Fail},
	{"container paused, want running", "container: held\nstatus: running", checker.Fail},
	{"container with the image's anonymous volume, want a bind", "container: pg-anon\nmount: {destination: /var/lib/postgresql/data, type: bind, source: /tmp/postgres-data}", checker.Fail},
	{"container with another bind source", "container: postgres-sample\nmount: {destination: /var/lib/postgresql/data, type: bind, source: /tmp/postgres-data}", checker.Fail},
	{"container with a volume, want a bind", "container: web1\nmount: {destination: /data, type: bind, source: /srv/data}", checker.Fail},
	{"container never started, want exited 0", "container: made\nstatus: exited\nexit_code: 0", checker.Fail},
	{"container exit code", "container: crashed\nexit_code: 0", checker.Fail},
	{"container exit code, image rebuilt since", "container: stale\nexit_code: 0", checker.Fail},
	{"container killed, want exit code 0", "container: hog\nexit_code: 0", checker.Fail},
	{"container healthy", "container: db-healthy\nhealth: healthy", checker.Pass},
	{"container healthy, want unhealthy", "container: db-healthy\nhealth: unhealthy", checker.Fail},
	{"container from compose mounts another folder", "container: composed\nmount: {destination: /data, type: bind, source: /tmp/postgres-data}", checker.Fail},
	{"container without health check", "container: web1\nhealth: healthy", checker.Fail},
	{"container still running, want exit code", "container: web1\nexit_code: 0", checker.Fail},
	{"container every difference", "container: postgres-sample\nimage: postgres:16\nenv: [POSTGRES_USER=admin, POSTGRES_DB]\nmounts: [/data, {destination: /var/lib/postgresql/data, type: volume, source: pgdata, read_only: true}]\nnetworks: [my-net, backend]\naliases: [database]\nrestart: unless-stopped\nrestart_count: 1\nuser: postgres\ncommand: postgres", checker.Fail},
	{"container alias on a network", "container: postgres-sample\nnetwork: backend\naliases: [db]", checker.Fail},
	{"container not on the host network", "container: web1\nnetwork: host", checker.Fail},
	{"container with lesson hint", "container: pg\nhint:\n  en: Use --name pg.\n  ko: --name pg 를 쓰세요.", checker.Fail},

	{"out of memory, but the command never started", "container: misordered\nexit_code: 137\noom_killed: true", checker.Fail},
	{"restart policy with its retry count", "container: flaky\nrestart: on-failure:3\nrestart_count: 3", checker.Pass},
	{"restart policy, any retry count", "container: flaky\nrestart: on-failure", checker.Pass},
	{"restart policy without the retry count", "container: flaky-forever\nrestart: on-failure:3", checker.Fail},
	{"restart policy with another retry count", "container: flaky\nrestart: on-failure:5", checker.Fail},

	{"container created in this step", "container: first\ncreated_in_step: true", checker.Pass},
	{"container left by an earlier step", "container: crashed\ncreated_in_step: true", checker.Fail},
	{"image built in this step", "image: my-app:1.0\ncreated_in_step: true", checker.Pass},
	{"image not built in this step", "image: busybox\ncreated_in_step: true", checker.Fail},
	{"image pulled from its registry", "image: localhost:5000/pulled:v1\npulled: true", checker.Pass},
	{"image tagged, not pulled", "image: localhost:5000/tagged:v1\npulled: true", checker.Fail},
	{"image pulled, want a local name only", "image: localhost:5000/pulled:v1\npulled: false", checker.Fail},
	{"image tagged, want a local name only", "image: localhost:5000/tagged:v1\npulled: false", checker.Pass},
	{"network from another step", "network: my-net\ncreated_in_step: true", checker.Fail},
	{"volume created in this step", "volume: my-volume\ncreated_in_step: true", checker.Pass},
	{"volume from before the lesson", "volume: old-volume\ncreated_in_step: true", checker.Fail},
	{"container made by the step's setup", "container: made\ncreated_in_step: true", checker.Fail},
	{"container kept from an earlier step", "container: crashed\ncreated_in_step: false", checker.Pass},
	{"container made by the step's setup, kept", "container: made\ncreated_in_step: false", checker.Pass},
	{"container made again in this step", "container: first\ncreated_in_step: false", checker.Fail},
	{"network made again in this step", "network: step-net\ncreated_in_step: false", checker.Fail},
	{"volume made again in this step", "volume: my-volume\ncreated_in_step: false", checker.Fail},
	{"image built again in this step", "image: my-app:1.0\ncreated_in_step: false", checker.Fail},
	{"containers made in this step", "containers: made in this step\ncreated_in_step: true\ncount: 1", checker.Pass},
	{"containers kept", "containers: kept busybox\nimage: busybox\ncreated_in_step: false\ncount: 1", checker.Fail},

	{"containers count", "containers: busybox containers\nimage: busybox\ncount: 3", checker.Pass},
	{"containers count differs", "containers: running busybox\nimage: busybox\nstatus: running\ncount: 2", checker.Fail},
	{"containers near miss", "containers: compose db\nimage: postgres:15\nstatus: running\nlabel: {com.docker.compose.service: db}\ncount: 1", checker.Fail},
	{"containers two values off: no near miss", "containers: paused busybox\nimage: busybox\nstatus: paused\nlabel: {dockyard.step: other/x}\ncount: 1", checker.Fail},
	{"containers min", "containers: web servers\nname: ^web[0-9]+$\nmin: 2", checker.Fail},
	{"containers max", "containers: on my-net\nnetwork: my-net\nmax: 1", checker.Fail},
	{"containers default min 1", "containers: nginx\nimage: nginx", checker.Fail},

	{"network passes", "network: my-net\ndriver: bridge\nsubnet: 172.30.0.0/16\ngateway: 172.30.0.1\ninternal: false\ncontainers: [postgres-sample, web1]", checker.Pass},
	{"network missing", "network: backend", checker.Fail},
	{"network should be absent", "network: my-net\nabsent: true", checker.Fail},
	{"network every difference", "network: my-net\ndriver: macvlan\nsubnet: 10.0.0.0/24\ngateway: 10.0.0.1\ninternal: true\ncontainers: [first]", checker.Fail},

	{"volume passes", "volume: my-volume\ndriver: local\nlabel: {course: dockyard}\ncontainers: [web1]\nfile: {path: notes.txt, contains: hello}", checker.Pass},
	{"volume missing", "volume: pgdata", checker.Fail},
	{"Compose's volume made in another project", "volume: shipyard_pgdata", checker.Fail},
	{"Compose's volume should be absent", "volume: proj_pgdata\nabsent: true", checker.Fail},
	{"Compose's volume should be absent (in use)", "volume: proj_cache\nabsent: true", checker.Fail},
	{"Compose's container should be absent", "container: proj-cache-1\nabsent: true", checker.Fail},
	{"Compose's network should be absent", "network: proj_default\nabsent: true", checker.Fail},
	{"volume should be absent (in use)", "volume: my-volume\nabsent: true", checker.Fail},
	{"volume should be absent (unused)", "volume: old-volume\nabsent: true", checker.Fail},
	{"volume used by no container", "volume: old-volume\ncontainers: [writer]", checker.Fail},
	{"network with no container", "network: step-net\ncontainers: [web1]", checker.Fail},
	{"network without two containers, one not run", "network: my-net\ncontainers: [first, lonely9]", checker.Fail},
	{"volume every difference", "volume: my-volume\ndriver: nfs\nlabel: {course: other}\ncontainers: [first]\nfile: {path: notes.txt, contains: goodbye}", checker.Fail},
	{"volume file missing", "volume: my-volume\nfile: {path: data/db.sqlite}", checker.Fail},
	{"volume file should be gone", "volume: my-volume\nfile: {path: notes.txt, absent: true}", checker.Fail},

	{"exec passes", "exec: web1\ncommand: cat /etc/hostname\nstdout: web1\nstdout_contains: web\nstdout_matches: ^web[0-9]", checker.Pass},
	{"exec exit code", "exec: web1\ncommand: exit 3", checker.Fail},
	{"exec expected exit code", "exec: web1\ncommand: exit 3\nexit_code: 3", checker.Pass},
	{"exec output differs", "exec: web1\ncommand: cat /etc/hostname\nstdout: web2\nstdout_contains: db\nstdout_matches: ^db", checker.Fail},
	{"exec in missing container", "exec: web9\ncommand: cat /etc/hostname", checker.Fail},
	{"exec in stopped container", "exec: first\ncommand: cat /etc/hostname", checker.Fail},
	{"exec in created container", "exec: made\ncommand: cat /etc/hostname", checker.Fail},
	{"exec in paused container", "exec: held\ncommand: cat /etc/hostname", checker.Fail},
	{"exec hangs in a limited container", "exec: quiet\ncommand: sleep 10", checker.Fail},
	// The hint speaks of what the command looks at: shown when it ran, not
	// when the container is missing or stopped (the finding says so).
	{"exec with hint fails", "exec: web1\ncommand: exit 3\nhint: {en: Look at the note., ko: 메모를 보세요.}", checker.Fail},
	{"exec with hint in stopped container", "exec: first\ncommand: exit 3\nhint: {en: Look at the note., ko: 메모를 보세요.}", checker.Fail},
	{"exec with hint in missing container", "exec: web9\ncommand: exit 3\nhint: {en: Look at the note., ko: 메모를 보세요.}", checker.Fail},
	{"http from stopped container with hint", "http: http://127.0.0.1/\nfrom: first\nhint: {en: Look at the page., ko: 페이지를 보세요.}", checker.Fail},

	{"http passes", "http: {web}/\nstatus: 200\nbody_contains: hello\nbody_matches: from \\w+", checker.Pass},
	{"http from container", "http: {web}/\nfrom: web1\nbody_contains: hello", checker.Pass},
	{"http status, its body not read", "http: {web}/missing\nbody_contains: hello\nbody_matches: ^hello", checker.Fail},
	{"http body", "http: {web}/\nbody_contains: goodbye\nbody_matches: ^bye", checker.Fail},
	{"http unreachable", "http: http://{closed}/", checker.Fail},
	{"http from missing container", "http: {web}/\nfrom: web9", checker.Fail},
	{"http from stopped container", "http: {web}/\nfrom: first", checker.Fail},
	{"http nothing published", "http: http://{free}/", checker.Fail},
	{"http by name from a container on another network", "http: http://quiet/\nfrom: web1", checker.Fail},

	{"tcp open", "tcp: {webaddr}", checker.Pass},
	{"tcp closed", "tcp: {closed}", checker.Fail},
	{"tcp nothing published", "tcp: {free}", checker.Fail},
	{"tcp publisher stopped", "tcp: 127.0.0.1:5435", checker.Fail},
	{"tcp should be closed", "tcp: {webaddr}\nopen: false", checker.Fail},
	{"tcp from container", "tcp: {closed}\nfrom: web1", checker.Fail},

	{"postgres passes", "postgres: {pg}\nuser: admin1\npassword: secret\nquery: select id, name from users order by id\nrows: [[1, alice], [2, bob]]\nrows_contain: [bob, [1, alice]]", checker.Pass},
	{"postgres wrong password", "postgres: {pg}\nuser: admin1\npassword: wrong", checker.Fail},
	{"postgres not listening", "postgres: {closed}\npassword: secret", checker.Fail},
	{"postgres query fails", "postgres: {pg}\npassword: secret\nquery: select * from missing", checker.Fail},
	{"postgres query fails from a container", "postgres: {pg}\nfrom: web1\npassword: secret\nquery: select * from missing", checker.Fail},
	{"postgres rows differ", "postgres: {pg}\npassword: secret\nquery: select name from users order by id\nrows: [[bob], [alice]]\nrows_contain: [carol, [alice, 1]]", checker.Fail},

	{"file passes", "file: {dir}/notes.txt\ncontains: dockyard\nmatches: ^dock\ndir: false", checker.Pass},
	{"file missing", "file: {dir}/missing.txt", checker.Fail},
	{"file missing, a typo of a file there", "file: {dir}/note.txt", checker.Fail},
	{"file missing, there without its extension", "file: {dir}/daily-report.txt", checker.Fail},
	{"folder missing", "file: {dir}/data\ndir: true", checker.Fail},
	{"file should be absent", "file: {dir}/notes.txt\nabsent: true", checker.Fail},
	{"file contents differ", "file: {dir}/notes.txt\ncontains: harbour\nmatches: ^harbour", checker.Fail},
	{"file is not a directory", "file: {dir}/notes.txt\ndir: true", checker.Fail},
	{"file is a directory", "file: {dir}\ndir: false", checker.Fail},

	{"quiz right", "quiz: q-right", checker.Pass},
	{"quiz wrong", "quiz: q-wrong", checker.Fail},
	{"quiz unanswered", "quiz: q-new", checker.Fail},

	{"command passes", "command: echo dockyard\nstdout_contains: dock\nstdout_matches: ^dock", checker.Pass},
	{"command fails", "command: echo oops >&2; exit 4", checker.Fail},
	{"command output differs", "command: echo harbour\nstdout_contains: dock\nstdout_matches: ^dock", checker.Fail},
	{"command hangs", "command: sleep 30\ntimeout: 200ms", checker.Error},

	{"container killed by the OOM killer", "container: hog\nexit_code: 137\noom_killed: true", checker.Pass},
	{"container not killed by the OOM killer", "container: crashed\noom_killed: true", checker.Fail},
	{"container should not be OOM killed", "container: hog\noom_killed: false", checker.Fail},
	{"build passes", "build: last\ntag: deps-app:v2\ncached: [RUN, COPY deps.txt]\nrebuilt: [COPY]", checker.Pass},
	{"build every difference", "build: last\ncached: [COPY, HEALTHCHECK]\nrebuilt: [RUN]", checker.Fail},
	{"build of another image", "build: last\ntag: app:v1\ncached: [RUN]", checker.Fail},
	{"build unknown record", "build: first", checker.Error},
	{"vm passes", "vm: last-run\nran: true\nkernel_differs_from_host: true\nexit_code: 0\nguest_kernel_contains: cloud", checker.Pass},
	{"vm every difference", "vm: last-run\nexit_code: 3\nguest_kernel_contains: rpi", checker.Fail},
	{"vm should not have run", "vm: last-run\nran: false", checker.Fail},
	{"vm unknown record", "vm: tiny", checker.Error},
	{"broken block", "container: web\nrunning: maybe", checker.Error},
}

func evalOne(t *testing.T, w *world, env checker.Env, src string) checker.Result {
	t.Helper()
	checks := checker.ParseAll([]checker.Block{{Source: w.expand(src), File: "lesson.en.md", Line: 1}})
	r := checker.Evaluate(context.Background(), env, checks)
	return r.Tests[0]
}

// TestEvaluateMessages runs every case in both languages and keeps every
// message in a golden file: these are what students read.
func TestEvaluateMessages(t *testing.T) {
	w := newWorld(t)
	for _, lang := range checker.Languages {
		env := checker.Env{Engine: w.engine, Lang: lang, NoRetry: true, Quizzes: fake.Quizzes{"q-right": true, "q-wrong": false},
			Step: "intro/first-run"}
		var b strings.Builder
		for _, tc := range evalCases {
			res := evalOne(t, w, env, tc.src)
			if res.Status != tc.want {
				t.Errorf("%s [%s]: status = %s, want %s\n%s", tc.name, lang, res.Status, tc.want, res.Message)
			}
			if strings.Contains(res.Message, "<no value>") || strings.Contains(res.Message, "%!") {
				t.Errorf("%s [%s]: message has a hole: %s", tc.name, lang, res.Message)
			}
			if res.Status == checker.Pass && res.Message != "" {
				t.Errorf("%s [%s]: passing check has message %q", tc.name, lang, res.Message)
			}
			fmt.Fprintf(&b, "## %s (%s)\n%s\n\n", tc.name, res.Status, w.scrub(res.Message))
		}
		golden(t, "messages."+lang+".golden", b.String())
	}
}

// TestEveryMessageShown makes sure the golden cases cover the catalog, so
// no message reaches a student unseen.
func TestEveryMessageShown(t *testing.T) {
	w := newWorld(t)
	env := checker.Env{Engine: w.engine, Lang: "en", NoRetry: true, Quizzes: fake.Quizzes{"q-right": true, "q-wrong": false},
		Step: "intro/first-run"}
	seen := map[string]bool{"check.hint": true, "report.error": true}
	for _, tc := range evalCases {
		for _, f := range evalOne(t, w, env, tc.src).Findings {
			seen[f.Key] = true
		}
	}
	// Shown by the tests below rather than the golden cases.
	for _, k := range []string{"engine.error", "engine.unreachable", "engine.permission", "wait.accept", "wait.start",
		"wait.restart", "wait.exit", "wait.database", "net.reversed", "quiz.unavailable", "quiz.error", "check.timeout", "file.error", "command.start",
		"vm.unavailable", "vm.none", "vm.same_kernel", "vm.other_kernel", "vm.detached", "build.unavailable", "build.none", "image.missing_untagged"} {
		seen[k] = true
	}
	for _, lang := range checker.Languages {
		for k := range checker.MessageKeys(lang) {
			// Parts of other messages (labels, states, empty values,
			// causes of network and PostgreSQL errors):
			// TestKoreanHasNoEnglish renders each one.
			if strings.HasPrefix(k, "label.") || strings.HasPrefix(k, "state.") || strings.HasPrefix(k, "value.") ||
				strings.HasPrefix(k, "neterr.") || strings.HasPrefix(k, "pgerr.") {
				continue
			}
			if !seen[k] {
				t.Errorf("message %q [%s] is never produced by a test case", k, lang)
			}
		}
	}
	en, ko := checker.MessageKeys("en"), checker.MessageKeys("ko")
	for k := range en {
		if !ko[k] {
			t.Errorf("message %q has no Korean text", k)
		}
	}
	for k := range ko {
		if !en[k] {
			t.Errorf("Korean message %q has no English text", k)
		}
	}
}

// TestStateToldOnce: a container in the wrong state fails running,
// status and exit_code together, and the student reads one line about it;
// so does a command that failed without printing anything.
func TestStateToldOnce(t *testing.T) {
	w := newWorld(t)
	env := checker.Env{Engine: w.engine, Lang: "en", NoRetry: true, Step: "intro/first-run"}
	for _, src := range []string{
		"container: made\nstatus: exited\nexit_code: 0",
		"container: made\nrunning: true\nstatus: running",
		"container: made\nexit_code: 0",
		"container: web1\nstatus: exited\nexit_code: 0",
		"container: web1\nrunning: false\nstatus: exited\nexit_code: 0",
		"exec: web1\ncommand: exit 3\nstdout_contains: hello",
		"exec: web1\ncommand: exit 3\nstdout: hello",
	} {
		res := evalOne(t, w, env, src)
		if len(res.Findings) != 1 {
			t.Errorf("Evaluate(%q) = %d findings, want 1:\n%s", src, len(res.Findings), res.Message)
		}
	}
}

// TestReversedPort: nothing publishes the port asked for, but a container
// publishes it the other way round (-p 80:8082 for -p 8082:80): the
// finding names that container and the order.
func TestReversedPort(t *testing.T) {
	free := freeAddr(t)
	port, _ := strconv.Atoi(strings.TrimPrefix(free, "127.0.0.1:"))
	e := &fake.Engine{}
	e.AddImage(checker.Image{ID: "sha256:1111111111111111aaaa", Tags: []string{"busybox:latest"}})
	e.AddContainer(checker.Container{Name: "site", Image: "busybox", Status: "running", StartedAt: longAgo,
		Ports: []checker.Port{{ContainerPort: port, Proto: "tcp", HostPort: 80}}})
	for _, lang := range checker.Languages {
		env := checker.Env{Engine: e, Lang: lang, NoRetry: true}
		checks := checker.ParseAll([]checker.Block{{Source: "http: http://" + free + "/", File: "lesson.en.md", Line: 1}})
		res := checker.Evaluate(context.Background(), env, checks).Tests[0]
		if want := fmt.Sprintf("-p 80:%d", port); res.Status != checker.Fail || !strings.Contains(res.Message, want) || !strings.Contains(res.Message, "site") {
			t.Errorf("[%s] http check = %s %q, want a failure naming site and %q", lang, res.Status, res.Message, want)
		}
	}
	// Made by Compose, the container got its ports from compose.yaml.
	e.AddContainer(checker.Container{Name: "shipyard-web-1", Image: "busybox", Status: "running", StartedAt: longAgo,
		Labels: map[string]string{"com.docker.compose.project": "shipyard"},
		Ports:  []checker.Port{{ContainerPort: port, Proto: "tcp", HostPort: 80}}})
	e.RemoveContainer("site")
	for _, lang := range checker.Languages {
		env := checker.Env{Engine: e, Lang: lang, NoRetry: true}
		checks := checker.ParseAll([]checker.Block{{Source: "http: http://" + free + "/", File: "lesson.en.md", Line: 1}})
		res := checker.Evaluate(context.Background(), env, checks).Tests[0]
		if want := fmt.Sprintf(`"%d:<`, port); res.Status != checker.Fail || !strings.Contains(res.Message, want) || !strings.Contains(res.Message, "compose.yaml") ||
			strings.Contains(res.Message, "-p ") {
			t.Errorf("[%s] http check = %s %q, want a failure naming compose.yaml and %q", lang, res.Status, res.Message, want)
		}
	}
}

// TestContainersClosest: too few containers match, and the one to name is
// the container of the right name that misses by its status, not another
// container that misses by its name only, nor the first one by name.
func TestContainersClosest(t *testing.T) {
	src := "containers: running workers\nname: ^worker-[123]$\nstatus: running\ncount: 2"
	for _, tc := range []struct {
		name       string
		containers []checker.Container
		want       string
	}{
		{"wrong worker stopped", []checker.Container{
			{Name: "broken-web", Image: "nginx", Status: "running"},
			{Name: "worker-1", Image: "busybox", Status: "exited"},
			{Name: "worker-2", Image: "busybox", Status: "exited"},
			{Name: "worker-3", Image: "busybox", Status: "running"},
		}, "the closest is worker-1 with status=exited"},
		{"misspelt name", []checker.Container{
			{Name: "worker-3", Image: "busybox", Status: "running"},
			{Name: "worker2", Image: "busybox", Status: "running"},
			{Name: "zz-other", Image: "busybox", Status: "exited"},
		}, "the closest is worker2 with name=worker2"},
	} {
		e := &fake.Engine{}
		for _, c := range tc.containers {
			e.AddContainer(c)
		}
		rep := checker.Evaluate(context.Background(), checker.Env{Engine: e, Lang: "en", NoRetry: true},
			checker.ParseAll([]checker.Block{{Source: src, File: "l.md"}}))
		if got := rep.Tests[0]; got.Status != checker.Fail || !strings.Contains(got.Message, tc.want) {
			t.Errorf("%s: %s %q, want a failure with %q", tc.name, got.Status, got.Message, tc.want)
		}
	}
}

// TestVMChecks runs `vm` checks against other records than the golden
// world's: none at all, a VM that saw the host's kernel, a detached one, and
// an engine that runs no VMs.
func TestVMChecks(t *testing.T) {
	one := 1
	sameKernel := &checker.VMRun{Command: []string{"true"}, ExitCode: &one, GuestKernel: "6.18.44", HostKernel: "6.18.44"}
	detached := &checker.VMRun{GuestKernel: "6.1.0-56-cloud-amd64", HostKernel: "6.18.44", KernelDiffersFromHost: true}
	for _, tc := range []struct {
		name    string
		engine  checker.Engine
		src     string
		want    checker.Status
		message string
	}{
		{"none ran, none expected", &fake.Engine{}, "vm: last-run\nran: false", checker.Pass, ""},
		{"none ran", &fake.Engine{}, "vm: last-run\nran: true", checker.Fail,
			"no VM has run since this step began (dockyard vm run -- uname -r)"},
		{"none ran, fields asked", &fake.Engine{}, "vm: last-run\nexit_code: 0", checker.Fail,
			"no VM has run since this step began (dockyard vm run -- uname -r)"},
		{"host's kernel", &fake.Engine{VM: sameKernel}, "vm: last-run\nkernel_differs_from_host: true\nexit_code: 1", checker.Fail,
			"the VM ran kernel 6.18.44, the same as the host's 6.18.44; expected a kernel of its own (start it with dockyard vm run, which boots its own kernel)"},
		{"not the host's kernel", &fake.Engine{VM: detached}, "vm: last-run\nkernel_differs_from_host: false", checker.Fail,
			"the VM ran kernel 6.1.0-56-cloud-amd64, not the host's 6.18.44"},
		{"detached", &fake.Engine{VM: detached}, "vm: last-run\nexit_code: 0", checker.Fail,
			"the last VM was started detached, so it has no exit code yet (expected 0) (run a command in it to the end: dockyard vm run -- uname -r)"},
		{"engine without VMs", struct{ checker.Engine }{&fake.Engine{VM: detached}}, "vm: last-run\nran: true", checker.Error,
			`vm checks need Dockyard's own engine; this one runs no VMs ("last-run") (run the lesson with dockyard learn, not against another Docker engine)`},
	} {
		rep := checker.Evaluate(context.Background(), checker.Env{Engine: tc.engine, Lang: "en", NoRetry: true},
			checker.ParseAll([]checker.Block{{Source: tc.src, File: "l.md"}}))
		got := rep.Tests[0]
		if got.Status != tc.want || got.Message != tc.message {
			t.Errorf("%s: %s %q, want %s %q", tc.name, got.Status, got.Message, tc.want, tc.message)
		}
	}
}

// TestBuildChecks runs `build` checks where the golden world's record is
// not: no build yet, and an engine that records none.
func TestBuildChecks(t *testing.T) {
	b := &checker.Build{Tags: []string{"app:v1"}, Steps: []checker.BuildStep{{Instruction: "RUNNER x"}}}
	for _, tc := range []struct {
		name    string
		engine  checker.Engine
		src     string
		want    checker.Status
		message string
	}{
		{"none yet", &fake.Engine{}, "build: last\ntag: app:v1", checker.Fail,
			"no build has finished yet (build the image with docker build)"},
		{"a word is not a prefix", &fake.Engine{Build: b}, "build: last\nrebuilt: [RUN]", checker.Fail,
			`the last build has no step "RUN" (look at the instructions in your Dockerfile)`},
		// docker build . without -t: the image check says the name is missing.
		{"an untagged last build", &fake.Engine{Build: &checker.Build{Steps: b.Steps}}, "image: hello-web:v1", checker.Fail,
			`image "hello-web:v1" is not there; the last build made an image without a name (name it when you build, with -t: docker build -t hello-web:v1 .)`},
		{"a tagged last build", &fake.Engine{Build: b}, "image: hello-web:v1", checker.Fail,
			`image "hello-web:v1" is not there (look at docker pull, docker build -t or docker tag)`},
		{"engine without builds", struct{ checker.Engine }{&fake.Engine{Build: b}}, "build: last", checker.Error,
			`build checks need Dockyard's own engine; this one keeps no record of its builds ("last") (run the lesson with dockyard learn, not against another Docker engine)`},
	} {
		rep := checker.Evaluate(context.Background(), checker.Env{Engine: tc.engine, Lang: "en", NoRetry: true},
			checker.ParseAll([]checker.Block{{Source: tc.src, File: "l.md"}}))
		got := rep.Tests[0]
		if got.Status != tc.want || got.Message != tc.message {
			t.Errorf("%s: %s %q, want %s %q", tc.name, got.Status, got.Message, tc.want, tc.message)
		}
	}
}

// TestEngineFaultsAreErrors: an engine that cannot be reached or read is
// the one case a check errors; the student reads a message from the
// catalog, and the raw error is kept for --debug.
func TestEngineFaultsAreErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.ENOENT)},
			"the engine cannot be reached, so this check could not be made (is the engine running? look at --engine and DOCKER_HOST, or run dockyard doctor)"},
		{fmt.Errorf("open /var/lib/dockyard/containers: %w", os.ErrPermission),
			"the engine state may only be read as root, so this check could not be made (run it with sudo)"},
		{fmt.Errorf("inspect: unexpected EOF"),
			"the engine answered with an error, so this check could not be made (dockyard check --debug shows the error; dockyard doctor may tell why)"},
	} {
		e := &fake.Engine{Err: tc.err}
		rep := checker.Evaluate(context.Background(), checker.Env{Engine: e, Debug: true},
			checker.ParseAll([]checker.Block{{Source: "container: web\nrunning: true", File: "l.md"}, {Source: "image: busybox", File: "l.md"}}))
		if rep.Status != checker.Error {
			t.Errorf("%v: report status = %s, want error", tc.err, rep.Status)
		}
		if got := rep.Tests[0].Message; got != tc.want {
			t.Errorf("%v: message = %q, want %q", tc.err, got, tc.want)
		}
		if got := rep.Tests[0].Debug; got != tc.err.Error() {
			t.Errorf("%v: debug = %q, want the raw error", tc.err, got)
		}
		if rep.Message != "2 of 2 checks could not be made" {
			t.Errorf("report message = %q", rep.Message)
		}
	}
}

func TestQuizWithoutAnswers(t *testing.T) {
	res := evalOne(t, newWorld(t), checker.Env{Engine: &fake.Engine{}, NoRetry: true}, "quiz: q1")
	if res.Status != checker.Error || !strings.Contains(res.Message, "no recorded answers") {
		t.Errorf("quiz without answers = %s %q, want error", res.Status, res.Message)
	}
}

// TestRetryWhileInMotion: a restarting container that runs a moment later
// passes within the check's timeout, and the student is told why it waits.
func TestRetryWhileInMotion(t *testing.T) {
	e := &fake.Engine{}
	e.AddContainer(checker.Container{Name: "db", Status: "restarting"})
	go func() {
		time.Sleep(300 * time.Millisecond)
		e.RemoveContainer("db")
		e.AddContainer(checker.Container{Name: "db", Status: "running"})
	}()
	var told []string
	checks := checker.ParseAll([]checker.Block{{Source: "container: db\nrunning: true\ntimeout: 5s", File: "l.md"}})
	rep := checker.Evaluate(context.Background(), checker.Env{Engine: e, Progress: func(l string) { told = append(told, l) }}, checks)
	if rep.Status != checker.Pass {
		t.Errorf("status = %s (%s), want pass after retrying", rep.Status, rep.Tests[0].Message)
	}
	if want := []string{"waiting for db to restart (up to 5 s)"}; !slices.Equal(told, want) {
		t.Errorf("progress = %q, want %q", told, want)
	}
}

// TestSettledFailsAtOnce: a check whose state has nothing to wait for
// answers at once, whatever its timeout; one in motion waits and says why.
func TestSettledFailsAtOnce(t *testing.T) {
	w := newWorld(t)
	started := time.Now()
	booting := checker.Container{Name: "booting", Image: "busybox", Status: "running", StartedAt: started,
		Ports: []checker.Port{{ContainerPort: 80, Proto: "tcp", HostPort: port(t, w.free)}}}
	w.engine.AddContainer(booting)
	w.engine.AddContainer(checker.Container{Name: "pg-booting", Image: "postgres:15", Status: "running", StartedAt: started,
		Ports: []checker.Port{{ContainerPort: 5432, Proto: "tcp", HostPort: port(t, w.pg)}}})
	for _, tc := range []struct {
		name, src string
		waits     string
	}{
		{"missing container", "container: nobody\nrunning: true\ntimeout: 30s", ""},
		{"exited container", "container: crashed\nrunning: true\ntimeout: 30s", ""},
		{"stopped publisher", "tcp: 127.0.0.1:5435\ntimeout: 30s", ""},
		{"nothing published", "postgres: 127.0.0.1:5436\ntimeout: 30s", ""},
		{"nothing listens, long running", "tcp: {closed}\ntimeout: 30s", ""},
		{"wrong rows", "postgres: {pg}\npassword: secret\nquery: select name from users order by id\nrows: [[bob]]\ntimeout: 30s", ""},
		{"exec fails", "exec: web1\ncommand: exit 3\ntimeout: 30s", ""},
		{"just started, not listening", "http: http://{free}/\ntimeout: 1s", "waiting for booting to accept connections on port " + strconv.Itoa(port(t, w.free)) + " (up to 1 s)"},
		{"just started, exec fails", "exec: booting\ncommand: exit 3\ntimeout: 1s", "waiting for booting to finish starting (up to 1 s)"},
		{"database starting up", "postgres: {pg}\nuser: starting\ntimeout: 1s", "waiting for the database in pg-booting to start up (up to 1 s)"},
	} {
		var told []string
		env := checker.Env{Engine: w.engine, Lang: "en", Progress: func(l string) { told = append(told, l) }}
		start := time.Now()
		res := evalOne(t, w, env, tc.src)
		took := time.Since(start)
		if res.Status != checker.Fail {
			t.Errorf("%s: status = %s %q, want fail", tc.name, res.Status, res.Message)
		}
		switch {
		case tc.waits == "" && (len(told) > 0 || res.Waited != "" || took > time.Second):
			t.Errorf("%s: took %v and said %q, want an answer at once", tc.name, took, told)
		case tc.waits != "" && (len(told) != 1 || told[0] != tc.waits || res.Waited != tc.waits):
			t.Errorf("%s: said %q (waited %q), want %q", tc.name, told, res.Waited, tc.waits)
		}
	}
}

func port(t *testing.T, addr string) int {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// TestBudgetBoundsEvaluation: a step budget stops retries long before the
// checks' own timeouts.
func TestBudgetBoundsEvaluation(t *testing.T) {
	w := newWorld(t)
	checks := checker.ParseAll([]checker.Block{
		{Source: w.expand("tcp: {closed}\ntimeout: 60s"), File: "l.md"},
		{Source: "container: nobody\ntimeout: 60s", File: "l.md"},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rep := checker.Evaluate(ctx, checker.Env{Engine: w.engine, Budget: 500 * time.Millisecond}, checks)
	if ctx.Err() != nil {
		t.Fatal("Evaluate ignored its budget")
	}
	for _, r := range rep.Tests {
		if r.Status == checker.Pass {
			t.Errorf("%s passed, want fail", r.Name)
		}
	}
}

func TestReportJSON(t *testing.T) {
	w := newWorld(t)
	checks := checker.ParseAll([]checker.Block{
		{Source: "container: postgres-sample\nport: 5433->5432/tcp", File: "lesson.en.md", Line: 41},
		{Source: "image: busybox", File: "lesson.en.md", Line: 50},
	})
	rep := checker.Evaluate(context.Background(), checker.Env{Engine: w.engine, NoRetry: true}, checks)
	for i := range rep.Tests {
		rep.Tests[i].DurationMS = 0
	}
	out, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report.json.golden", string(out)+"\n")
}

// TestFromDialsInsideTheContainer: with from, connections go through the
// engine's Dial for that container (its network namespace), and a URL host
// naming a container on a shared network resolves to its address there.
func TestFromDialsInsideTheContainer(t *testing.T) {
	w := newWorld(t)
	port := strings.TrimPrefix(w.webAddr, "127.0.0.1:")
	// web1's address on my-net is 127.0.0.1 in this world, so the name
	// web1 reaches the test server when dialled "from" postgres-sample.
	res := evalOne(t, w, checker.Env{Engine: w.engine, NoRetry: true},
		"http: http://web1:"+port+"/\nfrom: postgres-sample\nbody_contains: hello")
	if res.Status != checker.Pass {
		t.Fatalf("http from postgres-sample to web1 = %s %q, want pass", res.Status, res.Message)
	}
	if got := w.engine.Dials; len(got) != 1 || got[0] != "postgres-sample" {
		t.Errorf("Dials = %v, want [postgres-sample]", got)
	}
}

// TestWaitForACrashLoopToEnd: a container expected to have exited that is
// still restarting under its policy is looked at again until it gives up.
func TestWaitForACrashLoopToEnd(t *testing.T) {
	e := &fake.Engine{}
	e.AddContainer(checker.Container{Name: "flaky", Status: "restarting", Restart: "on-failure", RestartCount: 2})
	go func() {
		time.Sleep(300 * time.Millisecond)
		e.RemoveContainer("flaky")
		e.AddContainer(checker.Container{Name: "flaky", Status: "exited", ExitCode: 1, Restart: "on-failure", RestartCount: 3})
	}()
	var told []string
	checks := checker.ParseAll([]checker.Block{{Source: "container: flaky\nstatus: exited\nexit_code: 1\ntimeout: 5s", File: "l.md"}})
	rep := checker.Evaluate(context.Background(), checker.Env{Engine: e, Progress: func(l string) { told = append(told, l) }}, checks)
	if rep.Status != checker.Pass {
		t.Errorf("status = %s (%s), want pass after waiting", rep.Status, rep.Tests[0].Message)
	}
	if len(told) == 0 || told[0] != "waiting for flaky to exit (up to 5 s)" {
		t.Errorf("progress = %q, want it to start with the wait for flaky to exit", told)
	}
}
