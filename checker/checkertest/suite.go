// Package checkertest is the test suite every checker.Engine backend passes
// (the in-memory fake, a Docker Engine API endpoint such as podman's, and
// Dockyard's own engine), in the manner of rootlesskit's testsuite.Run: the
// backend sets state up its own way, the suite checks it through the checker.
package checkertest

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/checker"
)

// Backend creates real state in one engine for the suite.
type Backend interface {
	// Engine is the checker's view of the backend.
	Engine() checker.Engine
	// Image is a local busybox image (see WriteBusyboxArchive) with
	// /www/index.html saying "hello from busybox httpd".
	Image() string
	// Run creates the container and starts it; with Exited it waits until
	// the command has finished.
	Run(t testing.TB, c Container)
	// CreateNetwork creates a bridge network with that subnet.
	CreateNetwork(t testing.TB, name, subnet string)
	// CreateVolume creates a volume holding files (path -> content).
	CreateVolume(t testing.TB, name string, files map[string]string)
	// NetNS reports whether Engine().Dial really enters a container's
	// network namespace (the fake dials from the host).
	NetNS() bool
}

// Container is what the suite asks Run for.
type Container struct {
	Name    string
	Cmd     []string
	Env     []string
	Labels  map[string]string
	Network string
	Aliases []string
	Publish []Publish
	Mounts  []checker.Mount
	Restart string
	Exited  bool
}

// Publish is one -p host-ip:host-port:container-port.
type Publish struct {
	HostIP        string
	HostPort      int
	ContainerPort int
}

// HTTPD is the command of the suite's web container.
var HTTPD = []string{"httpd", "-f", "-p", "80", "-h", "/www"}

var seq atomic.Int64

// Unique returns a name no other test uses.
func Unique(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e6, seq.Add(1))
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// suiteCase is one check and what it must give: a status and a piece of
// its message.
type suiteCase struct {
	name     string
	src      string
	want     checker.Status
	contains string
}

// Run runs the suite against b.
func Run(t *testing.T, b Backend) {
	img := b.Image()
	id := Unique("suite")
	netName, vol := Unique("ck-net"), Unique("ck-vol")
	web, done := Unique("ck-web"), Unique("ck-done")
	port := FreePort(t)

	b.CreateNetwork(t, netName, "10.89.77.0/24")
	b.CreateVolume(t, vol, map[string]string{"notes.txt": "hello volume\n"})
	b.Run(t, Container{Name: web, Cmd: HTTPD, Env: []string{"GREETING=hi"}, Labels: map[string]string{"suite": id},
		Network: netName, Aliases: []string{"webby"}, Publish: []Publish{{HostIP: "127.0.0.1", HostPort: port, ContainerPort: 80}},
		Mounts:  []checker.Mount{{Type: "volume", Source: vol, Destination: "/data", ReadOnly: true}},
		Restart: "always"})
	b.Run(t, Container{Name: done, Cmd: []string{"sh", "-c", "exit 3"}, Labels: map[string]string{"suite": id}, Exited: true})
	stopped, stoppedPort := Unique("ck-stopped"), FreePort(t)
	b.Run(t, Container{Name: stopped, Cmd: []string{"true"}, Exited: true,
		Publish: []Publish{{HostIP: "127.0.0.1", HostPort: stoppedPort, ContainerPort: 5432}}})
	isolated := Unique("ck-isolated")
	b.Run(t, Container{Name: isolated, Cmd: []string{"sleep", "600"}, Network: "none"})

	cases := []suiteCase{
		{"image present", fmt.Sprintf("image: %s\nexposes: [80/tcp]\nlabel: {org.dockyard.test: busybox}\nenv: [PATH=/bin]\ncmd: sh\nlayers: 1", img), checker.Pass, ""},
		{"image missing", "image: ck-nothing:1", checker.Fail, `image "ck-nothing:1" is not there`},
		{"container state", fmt.Sprintf(`container: %s
running: true
image: %s
env: [GREETING=hi]
port: 127.0.0.1:%d->80/tcp
mount: {type: volume, source: %s, destination: /data, read_only: true}
network: %s
aliases: [webby]
restart: always
command: [httpd, -f, -p, "80", -h, /www]`, web, img, port, vol, netName), checker.Pass, ""},
		{"container wrong port", fmt.Sprintf("container: %s\nport: %d->80/tcp", web, port+1), checker.Fail,
			fmt.Sprintf("publishes 80/tcp on 127.0.0.1:%d, expected %d (look at -p in your docker run)", port, port+1)},
		{"container exited", fmt.Sprintf("container: %s\nstatus: exited\nexit_code: 3\nrunning: false", done), checker.Pass, ""},
		{"container exit code", fmt.Sprintf("container: %s\nexit_code: 0", done), checker.Fail, "exited with code 3, expected 0"},
		{"container missing", "container: ck-nobody", checker.Fail, "container ck-nobody does not exist yet"},
		{"container stopped, its -p right", fmt.Sprintf("container: %s\nport: 127.0.0.1:%d->5432/tcp", stopped, stoppedPort), checker.Fail,
			stopped + " is not running (it exited with code 0 at "},
		{"nothing listens on a stopped container's port", fmt.Sprintf("tcp: 127.0.0.1:%d", stoppedPort), checker.Fail,
			stopped + " is not running (it exited with code 0 at "},
		{"container without network", fmt.Sprintf("container: %s\nnetwork: none", isolated), checker.Pass, ""},
		{"container not on the host network", fmt.Sprintf("container: %s\nnetwork: host", isolated), checker.Fail, "is attached to none, expected host"},
		{"containers by label", fmt.Sprintf("containers: suite\nlabel: {suite: %s}\ncount: 2", id), checker.Pass, ""},
		{"containers running", fmt.Sprintf("containers: suite\nlabel: {suite: %s}\nstatus: running\ncount: 2", id), checker.Fail, "1 container matches"},
		{"network", fmt.Sprintf("network: %s\ndriver: bridge\nsubnet: 10.89.77.0/24\ncontainers: [%s]", netName, web), checker.Pass, ""},
		{"network missing", "network: ck-no-net", checker.Fail, "does not exist"},
		{"volume", fmt.Sprintf("volume: %s\ndriver: local\ncontainers: [%s]\nfile: {path: notes.txt, contains: hello}", vol, web), checker.Pass, ""},
		{"volume file missing", fmt.Sprintf("volume: %s\nfile: {path: other.txt}", vol), checker.Fail, "has no file other.txt"},
		{"exec", fmt.Sprintf("exec: %s\ncommand: echo hi $GREETING\nstdout: hi hi", web), checker.Pass, ""},
		{"exec exit code", fmt.Sprintf("exec: %s\ncommand: [sh, -c, 'exit 5']\nexit_code: 5", web), checker.Pass, ""},
		{"exec in exited container", fmt.Sprintf("exec: %s\ncommand: echo hi", done), checker.Fail, done + " is not running (it exited with code 3"},
		{"http from host", fmt.Sprintf("http: http://127.0.0.1:%d/\nbody_contains: hello from busybox", port), checker.Pass, ""},
		{"tcp from host", fmt.Sprintf("tcp: 127.0.0.1:%d", port), checker.Pass, ""},
	}
	if b.NetNS() {
		cases = append(cases,
			suiteCase{"http from container", fmt.Sprintf("http: http://127.0.0.1:80/\nfrom: %s\nbody_contains: hello", web), checker.Pass, ""},
			suiteCase{"tcp from container, closed", fmt.Sprintf("tcp: 127.0.0.1:81\nfrom: %s", web), checker.Fail, "connection refused"},
			suiteCase{"http from container by name", fmt.Sprintf("http: http://%s/\nfrom: %s", web, web), checker.Pass, ""},
			suiteCase{"tcp from container by alias", fmt.Sprintf("tcp: webby:80\nfrom: %s", web), checker.Pass, ""},
		)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := checker.Parse(checker.Block{Source: tc.src, File: "suite.md"})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			env := checker.Env{Engine: b.Engine(), Lang: "en", NoRetry: tc.want != checker.Pass}
			res := checker.Evaluate(context.Background(), env, []checker.Check{c}).Tests[0]
			if res.Status != tc.want || !strings.Contains(res.Message, tc.contains) {
				t.Errorf("%s = %s %q, want %s containing %q", tc.src, res.Status, res.Message, tc.want, tc.contains)
			}
		})
	}

	t.Run("snapshot", func(t *testing.T) {
		s, err := checker.Take(context.Background(), b.Engine())
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []struct {
			list []string
			name string
		}{{s.Containers, web}, {s.Containers, done}, {s.Networks, netName}, {s.Volumes, vol}} {
			if !slices.Contains(want.list, want.name) {
				t.Errorf("Take() = %v, want it to hold %s", want.list, want.name)
			}
		}
		if !slices.ContainsFunc(s.Images, func(r string) bool { return strings.HasSuffix(r, strings.TrimPrefix(img, "localhost/")) }) {
			t.Errorf("Take().Images = %v, want it to hold %s", s.Images, img)
		}
	})
}
