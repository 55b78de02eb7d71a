package apiserver

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/engine/enginetest"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

func TestMain(m *testing.M) {
	// The test binary is also the containers' init and monitor.
	engine.Reexec()
	os.Exit(m.Run())
}

// testServer serves the API on a fresh state root holding busybox (from
// the host's busybox-static) and tears the root's containers and networks
// down at the end.
func testServer(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: opens an engine and runs containers")
	}
	ctx := context.Background()
	e, err := engine.Open(ctx, engine.Options{Root: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if err := enginetest.WriteImage(e.Root(), imagetest.Busybox(t), "busybox:latest"); err != nil {
		t.Fatal(err)
	}
	s := New(e, Options{Version: "test"})
	hs := httptest.NewServer(s)
	t.Cleanup(func() {
		hs.Close()
		all, _ := e.Containers()
		for _, c := range all {
			_ = e.RemoveContainer(ctx, c.ID, true, true)
		}
		_ = e.ResetNetworks(ctx)
	})
	return s, hs
}

// call sends one request and returns the status and body.
func call(t *testing.T, hs *httptest.Server, method, path, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, hs.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// create makes a container and returns its id.
func create(t *testing.T, hs *httptest.Server, name string, cmd ...string) string {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"Image": "busybox", "Cmd": cmd})
	code, body := call(t, hs, "POST", "/v1.50/containers/create?name="+name, string(b))
	if code != http.StatusCreated {
		t.Fatalf("create %s = %d %s, want 201", name, code, body)
	}
	var r struct{ Id string }
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatal(err)
	}
	return r.Id
}

// start starts container ref (a name or id) as docker start does; it must
// answer 204.
func start(t *testing.T, hs *httptest.Server, ref string) {
	t.Helper()
	if code, body := call(t, hs, "POST", "/containers/"+ref+"/start", ""); code != http.StatusNoContent {
		t.Fatalf("start %s = %d %s, want 204", ref, code, body)
	}
}

// TestBadRequests shows Docker's status codes and {"message": ...} bodies
// for what a client can get wrong.
func TestBadRequests(t *testing.T) {
	s, hs := testServer(t)
	s.handle("GET /test-panic", func(http.ResponseWriter, *http.Request) error { panic("boom") })
	running := create(t, hs, "bad-running", "sleep", "60")
	start(t, hs, running)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	// As Docker's daemon, create records a host port that something holds
	// and start finds the conflict (Compose creates a service's new
	// container while the old one still holds its port).
	code, body := call(t, hs, "POST", "/v1.50/containers/create?name=bad-port",
		fmt.Sprintf(`{"Image": "busybox", "Cmd": ["true"], "HostConfig": {"PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "%d"}]}}}`, busyPort))
	if code != http.StatusCreated {
		t.Fatalf("create with a port in use on the host = %d %s, want 201", code, body)
	}
	tests := []struct {
		name, method, path, body string
		want                     int
		message                  string
	}{
		{"malformed JSON", "POST", "/containers/create", `{"Image": "busybox"`, 400, "invalid JSON in the request body: unexpected EOF"},
		{"wrong type", "POST", "/containers/create", `{"Image": 5}`, 400, "cannot unmarshal number"},
		{"no config", "POST", "/containers/create", `null`, 400, "config cannot be empty"},
		{"unknown image", "POST", "/containers/create", `{"Image": "nosuch:1"}`, 404, "No such image: nosuch:1"},
		{"invalid name", "POST", "/containers/create?name=a", `{"Image": "busybox"}`, 400, "Invalid container name"},
		{"privileged", "POST", "/containers/create", `{"Image": "busybox", "HostConfig": {"Privileged": true}}`, 400, "--privileged is not available"},
		// The engine's fault, as on Docker: the failed start's kind comes
		// across the monitor's protocol.
		{"port in use on the host at start", "POST", "/containers/bad-port/start", "", 500, fmt.Sprint(busyPort)},
		// The caller's to fix, as Docker's startInvalidConfigError.
		{"command not found at start", "POST", "/containers/" + create(t, hs, "bad-cmd", "/nosuch") + "/start", "", 400, "failed to create task for container"},
		{"bad volume", "POST", "/containers/create", `{"Image": "busybox", "HostConfig": {"Binds": ["relative:/data:zz"]}}`, 400, "invalid mode: zz"},
		{"negative CPUs", "POST", "/containers/create", `{"Image": "busybox", "HostConfig": {"NanoCpus": -1000000000}}`, 400, "range of CPUs is from 0.01 to"},
		{"unknown restart policy", "POST", "/containers/create", `{"Image": "busybox", "HostConfig": {"RestartPolicy": {"Name": "bogus"}}}`, 400, "invalid restart policy: unknown policy 'bogus'"},
		{"AutoRemove with a restart policy", "POST", "/containers/create", `{"Image": "busybox", "HostConfig": {"AutoRemove": true, "RestartPolicy": {"Name": "always"}}}`, 400, "can't create 'AutoRemove' container with restart policy"},
		{"pull that fails before its first message", "POST", "/images/create?fromImage=127.0.0.1:1/nosuch&tag=1", "", 500, "cannot pull 127.0.0.1:1/nosuch:1"},
		{"name in use", "POST", "/containers/create?name=bad-running", `{"Image": "busybox"}`, 409, "is already in use"},
		{"unknown container", "GET", "/v1.50/containers/nosuch/json", "", 404, "No such container: nosuch"},
		{"unknown container start", "POST", "/containers/nosuch/start", "", 404, "No such container: nosuch"},
		{"remove running", "DELETE", "/containers/bad-running", "", 409, "container is running: stop the container before removing or force remove"},
		{"kill stopped", "POST", "/containers/" + create(t, hs, "bad-created", "true") + "/kill", "", 409, "is not running"},
		{"exec in stopped", "POST", "/containers/bad-created/exec", `{"Cmd": ["true"]}`, 409, "is not running"},
		{"exec without command", "POST", "/containers/bad-running/exec", `{}`, 400, "no exec command specified"},
		{"unknown exec", "GET", "/exec/nosuch/json", "", 404, "No such exec instance: nosuch"},
		{"unknown image inspect", "GET", "/images/nosuch/json", "", 404, "No such image: nosuch"},
		{"unknown image save", "GET", "/images/get?names=busybox&names=nosuch", "", 404, "No such image: nosuch"},
		{"push to a remote registry", "POST", "/images/example.com/app/push?tag=1", "", 403, "example.com"},
		{"invalid image filter", "GET", `/images/json?filters={"colour":{"red":true}}`, "", 400, "invalid filter 'colour'"},
		{"top of a stopped container", "GET", "/containers/bad-created/top", "", 409, "is not running"},
		{"rename to a name in use", "POST", "/containers/bad-created/rename?name=bad-running", "", 409, "is already in use"},
		{"unknown network", "GET", "/networks/nosuch", "", 404, "network nosuch not found"},
		{"unknown volume", "GET", "/volumes/nosuch", "", 404, "no such volume"},
		{"invalid filter", "GET", `/containers/json?filters={"colour":{"red":true}}`, "", 400, "invalid filter 'colour'"},
		{"filters not JSON", "GET", `/containers/json?filters=label`, "", 400, "invalid filters"},
		{"bad wait condition", "POST", "/containers/bad-running/wait?condition=soon", "", 400, "invalid condition"},
		{"bad signal", "POST", "/containers/bad-running/kill?signal=SIGNOPE", "", 400, "SIGNOPE"},
		{"wrong method", "DELETE", "/version", "", 405, "method DELETE is not allowed for /version (use GET)"},
		{"wrong method on a container", "PUT", "/containers/bad-running/start", "", 405, "method PUT is not allowed"},
		{"wrong method on ping", "POST", "/_ping", "", 405, "is not allowed"},
		{"unknown path", "GET", "/v1.50/nothing/here", "", 404, "page not found"},
		{"too old a client", "GET", "/v1.12/version", "", 400, "client version 1.12 is too old"},
		{"panic", "GET", "/test-panic", "", 500, "internal error: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := call(t, hs, tt.method, tt.path, tt.body)
			var msg struct{ Message string }
			if err := json.Unmarshal([]byte(body), &msg); err != nil {
				t.Fatalf("%s %s: body %q is not Docker's error JSON: %v", tt.method, tt.path, body, err)
			}
			if code != tt.want || !strings.Contains(msg.Message, tt.message) {
				t.Errorf("%s %s = %d %q, want %d with %q", tt.method, tt.path, code, msg.Message, tt.want, tt.message)
			}
		})
	}
	// A push names the repository before it looks for the image, as moby's
	// distribution.Push does, so its error comes in the stream, after a
	// 200: the docker CLI prints the line, then the error.
	t.Run("push of an unknown image", func(t *testing.T) {
		code, body := call(t, hs, "POST", "/images/localhost:5000/nosuch/push?tag=1", "")
		lines := strings.Split(strings.TrimSpace(body), "\n")
		var last struct{ ErrorDetail struct{ Message string } }
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
			t.Fatalf("body %q: its last line is not a stream message: %v", body, err)
		}
		want := "An image does not exist locally with the tag: localhost:5000/nosuch"
		if code != 200 || !strings.Contains(lines[0], "The push refers to repository [localhost:5000/nosuch]") || last.ErrorDetail.Message != want {
			t.Errorf("push of an unknown image = %d %q, want 200, the repository line, then %q", code, body, want)
		}
	})
	// The server still answers after all of that.
	if code, body := call(t, hs, "GET", "/_ping", ""); code != 200 || body != "OK" {
		t.Errorf("GET /_ping after the bad requests = %d %q, want 200 OK", code, body)
	}
}

// TestUnknownFieldsAreIgnored: like Docker's daemon, fields the API types
// lack are ignored, so clients of older and newer API versions work.
func TestUnknownFieldsAreIgnored(t *testing.T) {
	_, hs := testServer(t)
	code, body := call(t, hs, "POST", "/containers/create", `{"Image": "busybox", "KernelMemory": 0, "Detach": false}`)
	if code != http.StatusCreated {
		t.Errorf("create with unknown fields = %d %s, want 201", code, body)
	}
}

func TestPingAndVersion(t *testing.T) {
	_, hs := testServer(t)
	resp, err := hs.Client().Head(hs.URL + "/_ping")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Api-Version") != APIVersion {
		t.Errorf("HEAD /_ping = %d, Api-Version %q, want 200 and %s", resp.StatusCode, resp.Header.Get("Api-Version"), APIVersion)
	}
	code, body := call(t, hs, "GET", "/v1.44/version", "")
	var v struct{ ApiVersion, MinAPIVersion string }
	if err := json.Unmarshal([]byte(body), &v); err != nil || code != 200 {
		t.Fatalf("GET /version = %d %s", code, body)
	}
	if v.ApiVersion != APIVersion || v.MinAPIVersion != MinAPIVersion {
		t.Errorf("version = %+v, want %s and %s", v, APIVersion, MinAPIVersion)
	}
}

// attachRaw opens a hijacked attach and returns the connection after the
// 101 answer.
func attachRaw(t *testing.T, hs *httptest.Server, id string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(hs.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /containers/%s/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n", id)
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "101") {
		t.Fatalf("attach answer %q, %v; want 101 UPGRADED", line, err)
	}
	return conn
}

// TestClientHangsUpMidStream: clients that go away while attached or
// following logs leave a container that still stops and is removed, and a
// server that still answers.
func TestClientHangsUpMidStream(t *testing.T) {
	s, hs := testServer(t)
	id := create(t, hs, "hangup", "sh", "-c", "while true; do echo tick; sleep 0.1; done")
	conn := attachRaw(t, hs, id)
	start(t, hs, id)
	var hdr [8]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil || hdr[0] != streamStdout {
		t.Fatalf("first frame header %v, %v; want a stdout frame", hdr, err)
	}
	conn.Close() // hang up while output flows

	// A log follower that hangs up too.
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", hs.URL+"/containers/"+id+"/logs?follow=1&stdout=1", nil)
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, hdr[:]); err != nil {
		t.Fatalf("logs: %v", err)
	}
	cancel()
	resp.Body.Close()

	if code, body := call(t, hs, "POST", "/containers/"+id+"/stop?t=1", ""); code != http.StatusNoContent {
		t.Fatalf("stop after the clients left = %d %s, want 204", code, body)
	}
	if code, body := call(t, hs, "POST", "/containers/"+id+"/wait", ""); code != 200 || !strings.Contains(body, `"StatusCode":137`) && !strings.Contains(body, `"StatusCode":143`) {
		t.Errorf("wait = %d %s, want the stopped container's code", code, body)
	}
	if code, body := call(t, hs, "DELETE", "/containers/"+id, ""); code != http.StatusNoContent {
		t.Fatalf("rm = %d %s, want 204", code, body)
	}
	// The session let go of the container.
	deadline := time.Now().Add(10 * time.Second)
	for s.currentSession(id) != nil && !isClosed(s.currentSession(id).done) {
		if time.Now().After(deadline) {
			t.Fatal("the attach session of a removed container is still open")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _ := call(t, hs, "GET", "/containers/json?all=1", ""); code != 200 {
		t.Errorf("list after hang-ups = %d, want 200", code)
	}
}

// TestRunFlow is what `docker run` does: create, attach, wait, start; the
// output arrives framed and the wait answers the exit code, also for a
// --rm container that is gone when it answers (its monitor removes it
// before it reports the code).
func TestRunFlow(t *testing.T) {
	for _, tc := range []struct {
		name       string
		autoRemove bool
		condition  string
	}{{"run", false, "next-exit"}, {"run --rm", true, "removed"}} {
		t.Run(tc.name, func(t *testing.T) { runFlow(t, tc.autoRemove, tc.condition) })
	}
}

func runFlow(t *testing.T, autoRemove bool, condition string) {
	_, hs := testServer(t)
	b, _ := json.Marshal(map[string]any{"Image": "busybox", "Cmd": []string{"sh", "-c", "echo out; echo err >&2; exit 3"},
		"HostConfig": map[string]any{"AutoRemove": autoRemove}})
	code, body := call(t, hs, "POST", "/containers/create", string(b))
	if code != http.StatusCreated {
		t.Fatalf("create = %d %s", code, body)
	}
	var created struct{ Id string }
	json.Unmarshal([]byte(body), &created)
	id := created.Id
	conn := attachRaw(t, hs, id)
	defer conn.Close()
	waited := make(chan string, 1)
	go func() {
		_, body := call(t, hs, "POST", "/containers/"+id+"/wait?condition="+condition, "")
		waited <- body
	}()
	time.Sleep(50 * time.Millisecond) // let the wait arrive first, as docker run's does
	start(t, hs, id)
	got := map[byte]string{}
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(conn, hdr[:]); err != nil {
			break
		}
		n := int(hdr[4])<<24 | int(hdr[5])<<16 | int(hdr[6])<<8 | int(hdr[7])
		p := make([]byte, n)
		if _, err := io.ReadFull(conn, p); err != nil {
			t.Fatal(err)
		}
		got[hdr[0]] += string(p)
	}
	if got[streamStdout] != "out\n" || got[streamStderr] != "err\n" {
		t.Errorf("attached streams = stdout %q stderr %q, want \"out\\n\" and \"err\\n\"", got[streamStdout], got[streamStderr])
	}
	if body := <-waited; !strings.Contains(body, `"StatusCode":3`) {
		t.Errorf("wait = %s, want StatusCode 3", body)
	}
}

// TestBuildClientHangsUp: a build whose client goes away while a RUN step
// runs is cancelled; its step container does not stay behind.
func TestBuildClientHangsUp(t *testing.T) {
	s, hs := testServer(t)
	var ctxTar bytes.Buffer
	tw := tar.NewWriter(&ctxTar)
	df := []byte("FROM busybox\nRUN echo started; sleep 600\n")
	tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(df)), Typeflag: tar.TypeReg})
	tw.Write(df)
	tw.Close()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", hs.URL+"/build?t=hangup:1", &ctxTar)
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() && !strings.Contains(sc.Text(), "started") {
	}
	cancel() // the RUN step is running: hang up
	resp.Body.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		all, err := s.e.Containers()
		if err != nil {
			t.Fatal(err)
		}
		if len(all) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the build's step container is still there after the client left: %s %s", all[0].ShortID(), all[0].State.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, err := s.e.Image(context.Background(), "hangup:1"); err == nil {
		t.Error("the cancelled build still tagged hangup:1")
	}
}

// TestRemoveBeforeStart: clients attached to or waiting on a container
// that is removed before it starts are let go, and restart works on a
// container that was only attached to.
func TestRemoveBeforeStart(t *testing.T) {
	_, hs := testServer(t)
	id := create(t, hs, "never-started", "true")
	conn := attachRaw(t, hs, id)
	defer conn.Close()
	if code, body := call(t, hs, "DELETE", "/containers/"+id, ""); code != http.StatusNoContent {
		t.Fatalf("rm = %d %s", code, body)
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if n, err := conn.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("attach of a removed container: read %d, %v; want the connection closed (EOF)", n, err)
	}

	id = create(t, hs, "attached-then-restarted", "sleep", "60")
	conn2 := attachRaw(t, hs, id)
	defer conn2.Close()
	if code, body := call(t, hs, "POST", "/containers/"+id+"/restart?t=1", ""); code != http.StatusNoContent {
		t.Fatalf("restart of a created container with a client attached = %d %s, want 204", code, body)
	}
	code, body := call(t, hs, "GET", "/containers/"+id+"/json", "")
	if code != 200 || !strings.Contains(body, `"Status":"running"`) {
		t.Errorf("after restart = %d, want running: %s", code, body)
	}
}

// TestVolumePruneByVersion: before API 1.42 a prune removes named volumes
// too (Debian's docker 20.10 relies on it); since, only with all=true.
func TestVolumePruneByVersion(t *testing.T) {
	_, hs := testServer(t)
	for _, tc := range []struct {
		path    string
		deleted bool
	}{
		{"/v1.50/volumes/prune", false},
		{`/v1.50/volumes/prune?filters={"all":{"true":true}}`, true},
		{"/v1.41/volumes/prune", true},
	} {
		if code, body := call(t, hs, "POST", "/volumes/create", `{"Name": "prunable"}`); code != http.StatusCreated {
			t.Fatalf("volume create = %d %s", code, body)
		}
		code, body := call(t, hs, "POST", tc.path, "")
		if code != 200 || strings.Contains(body, `"prunable"`) != tc.deleted {
			t.Errorf("POST %s = %d %s, want prunable deleted: %v", tc.path, code, body, tc.deleted)
		}
	}
}

// startExec creates an exec in container id from its JSON config and
// starts it on a hijacked connection, as the docker CLI does; the
// connection carries its streams and closes with the test.
func startExec(t *testing.T, hs *httptest.Server, id, config string) (execID string, conn net.Conn) {
	t.Helper()
	code, body := call(t, hs, "POST", "/containers/"+id+"/exec", config)
	if code != http.StatusCreated {
		t.Fatalf("exec create = %d %s", code, body)
	}
	var ex struct{ Id string }
	if err := json.Unmarshal([]byte(body), &ex); err != nil {
		t.Fatalf("exec create answered %s: %v", body, err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(hs.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "POST /exec/%s/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n{}", ex.Id)
	return ex.Id, conn
}

// TestExecClientHangsUp: an exec whose client goes away while it writes to
// its terminal runs to its end (its output dropped) instead of blocking on
// a full terminal nobody reads.
func TestExecClientHangsUp(t *testing.T) {
	_, hs := testServer(t)
	id := create(t, hs, "exec-hangup", "sleep", "600")
	start(t, hs, id)
	execID, conn := startExec(t, hs, id,
		`{"AttachStdout": true, "AttachStderr": true, "Tty": true, "Cmd": ["sh", "-c", "yes | head -c 5000000; echo done > /tmp/finished"]}`)
	if _, err := io.ReadFull(conn, make([]byte, 200)); err != nil {
		t.Fatalf("reading the exec's first output: %v", err)
	}
	conn.Close()
	// 5 MB through a terminal takes seconds on a loaded 2-core machine; the
	// bound only tells a process that never ends from a slow one.
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, body := call(t, hs, "GET", "/exec/"+execID+"/json", "")
		if strings.Contains(body, `"Running":false`) {
			if !strings.Contains(body, `"ExitCode":0`) {
				t.Errorf("exec after its client left = %s, want exit code 0", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the exec never ended after its client left: %s", body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestExecEndsWithStdinOpen: an exec with stdin attached and no terminal
// (docker exec -i, docker compose exec -T, typed at a terminal) ends when
// its process does, though the client still holds its stdin open: the
// stream closes and the exit code is recorded, as Docker's daemon does.
func TestExecEndsWithStdinOpen(t *testing.T) {
	_, hs := testServer(t)
	id := create(t, hs, "exec-stdin", "sleep", "600")
	start(t, hs, id)
	execID, conn := startExec(t, hs, id,
		`{"AttachStdin": true, "AttachStdout": true, "AttachStderr": true, "Cmd": ["sh", "-c", "echo hi; exit 3"]}`)
	// Nothing is written to stdin and it is never closed: the stream must
	// still end, with the process.
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	out, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("the exec's stream did not end with its process: %v (read %q)", err, out)
	}
	if !strings.Contains(string(out), "hi") {
		t.Errorf("exec output = %q, want it to hold hi", out)
	}
	if _, body := call(t, hs, "GET", "/exec/"+execID+"/json", ""); !strings.Contains(body, `"ExitCode":3`) {
		t.Errorf("exec after its stream ended = %s, want exit code 3", body)
	}

	// What the client writes still reaches the process, and its end of
	// stdin ends cat (echo ping | docker exec -i c cat).
	_, cat := startExec(t, hs, id, `{"AttachStdin": true, "AttachStdout": true, "AttachStderr": true, "Cmd": ["cat"]}`)
	fmt.Fprint(cat, "ping\n")
	cat.(*net.TCPConn).CloseWrite()
	cat.SetReadDeadline(time.Now().Add(30 * time.Second))
	out, err = io.ReadAll(cat)
	if err != nil || !strings.Contains(string(out), "ping") {
		t.Errorf("cat's stream = %q, %v; want it to echo ping and end", out, err)
	}
}

// A SIGKILL through the API returns once the exit is recorded, so a remove
// right after it (docker kill x && docker rm x) finds the container stopped.
func TestKillThenRemove(t *testing.T) {
	_, hs := testServer(t)
	id := create(t, hs, "killed", "sleep", "60")
	start(t, hs, id)
	if code, body := call(t, hs, "POST", "/containers/"+id+"/kill", ""); code != http.StatusNoContent {
		t.Fatalf("kill = %d %s, want 204", code, body)
	}
	if code, body := call(t, hs, "DELETE", "/containers/"+id, ""); code != http.StatusNoContent {
		t.Errorf("remove right after kill = %d %s, want 204", code, body)
	}
}
