package apiserver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/events"
)

// streamEvents opens GET /events with query and returns a channel of the
// events the server streams.
func streamEvents(t *testing.T, ctx context.Context, url, query string) <-chan events.Message {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", url+"/v1.50/events?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /events?%s = %d, want 200", query, resp.StatusCode)
	}
	ch := make(chan events.Message, 64)
	go func() {
		defer resp.Body.Close()
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			var m events.Message
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				ch <- m
			}
		}
	}()
	return ch
}

func filtersQuery(f map[string][]string) string {
	b, _ := json.Marshal(f)
	return "filters=" + url.QueryEscape(string(b))
}

// next returns the next event or fails after a while.
func next(t *testing.T, ch <-chan events.Message) events.Message {
	t.Helper()
	select {
	case m, ok := <-ch:
		if !ok {
			t.Fatal("event stream ended")
		}
		return m
	case <-time.After(20 * time.Second):
		t.Fatal("no event within 20s")
	}
	return events.Message{}
}

// Events streamed with filters include those of another engine on the same
// state root (as the CLI in another process), and only those matching.
func TestEventsStreamWithFilters(t *testing.T) {
	s, hs := testServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	labelled := streamEvents(t, ctx, hs.URL, filtersQuery(map[string][]string{"type": {"container"}, "label": {"suite=events"}}))
	health := streamEvents(t, ctx, hs.URL, filtersQuery(map[string][]string{"event": {"health_status"}}))
	networks := streamEvents(t, ctx, hs.URL, filtersQuery(map[string][]string{"type": {"network"}, "network": {"evnet"}}))
	time.Sleep(300 * time.Millisecond) // the streams are open

	other, err := engine.Open(ctx, engine.Options{Root: s.e.Root()})
	if err != nil {
		t.Fatal(err)
	}
	// Not labelled: filtered out.
	if _, _, err := other.CreateContainer(ctx, engine.CreateOptions{Image: "busybox", Name: "ev-other", Cmd: []string{"true"}}); err != nil {
		t.Fatal(err)
	}
	c, _, err := other.CreateContainer(ctx, engine.CreateOptions{
		Image: "busybox", Name: "ev-c", Cmd: []string{"sleep", "30"}, Labels: map[string]string{"suite": "events"},
		Healthcheck: &container.HealthConfig{Test: []string{"CMD", "true"}, Interval: 100 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.StartContainer(ctx, c.ID, container.StartOptions{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 3 {
		m := next(t, labelled)
		got = append(got, m.Action+" "+m.Actor.Attributes["name"])
	}
	if want := "create ev-c,start ev-c,health_status: healthy ev-c"; strings.Join(got, ",") != want {
		t.Errorf("labelled events = %q, want %q", strings.Join(got, ","), want)
	}
	if m := next(t, health); m.Action != "health_status: healthy" || m.Actor.ID != c.ID || m.Status != "health_status: healthy" {
		t.Errorf("health_status event = %+v, want health_status: healthy of %s", m, c.ID)
	}
	// docker restart and docker rename send Docker's events, in its order;
	// kill names its signal, rename the old name with the daemon's slash.
	// sleep as PID 1 ignores SIGTERM, so the stop ends in a SIGKILL after
	// its timeout (-t 1), as with Docker.
	if err := other.RestartContainer(ctx, c.ID, 1, nil); err != nil {
		t.Fatal(err)
	}
	if err := other.RenameContainer(ctx, c.ID, "ev-renamed"); err != nil {
		t.Fatal(err)
	}
	if err := other.RemoveContainer(ctx, c.ID, true, false); err != nil {
		t.Fatal(err)
	}
	var sequence []string
	for len(sequence) < 10 {
		m := next(t, labelled)
		if strings.HasPrefix(m.Action, "health_status") {
			continue
		}
		a := m.Action + " " + m.Actor.Attributes["name"]
		if sig := m.Actor.Attributes["signal"]; sig != "" {
			a += " signal=" + sig
		}
		if old := m.Actor.Attributes["oldName"]; old != "" {
			a += " oldName=" + old
		}
		sequence = append(sequence, a)
	}
	want := []string{
		"kill ev-c signal=15", "kill ev-c signal=9", "die ev-c", "stop ev-c", "start ev-c", "restart ev-c",
		"rename ev-renamed oldName=/ev-c",
		"kill ev-renamed signal=9", "die ev-renamed", "destroy ev-renamed",
	}
	if strings.Join(sequence, ",") != strings.Join(want, ",") {
		t.Errorf("events of restart, rename, rm -f =\n %q\nwant\n %q", sequence, want)
	}
	// Names match by prefix, as Docker's: "evnet" is not a prefix of this.
	for _, name := range []string{"other-evnet", "evnet"} {
		if code, body := call(t, hs, "POST", "/v1.50/networks/create", fmt.Sprintf(`{"Name":%q}`, name)); code != http.StatusCreated {
			t.Fatalf("network create = %d %s", code, body)
		}
	}
	if m := next(t, networks); m.Action != "create" || m.Actor.Attributes["name"] != "evnet" {
		t.Errorf("network event = %+v, want create of evnet", m)
	}
}

// since and until replay past events and end the stream.
func TestEventsSinceUntil(t *testing.T) {
	_, hs := testServer(t)
	start := time.Now()
	create(t, hs, "ev-past", "true")
	time.Sleep(50 * time.Millisecond)
	q := fmt.Sprintf("since=%d.%09d&until=%d&%s", start.Unix(), start.Nanosecond(), time.Now().Unix()+1,
		filtersQuery(map[string][]string{"container": {"ev-past"}}))
	code, body := call(t, hs, "GET", "/v1.50/events?"+q, "")
	if code != http.StatusOK || !strings.Contains(body, `"Action":"create"`) || strings.Count(body, "\n") != 1 {
		t.Errorf("GET /events?%s = %d %q, want the one create event of ev-past", q, code, body)
	}
	code, body = call(t, hs, "GET", "/v1.50/events?since=2&until=1", "")
	if code != http.StatusBadRequest {
		t.Errorf("since after until = %d %s, want 400", code, body)
	}
}

// A client that inspects a container on its die event sees how the run
// ended, as on moby, where die is logged after the state is set: Compose
// decides on that inspect whether the container will come back, and an
// attached `compose up` waits forever on one it sees still running.
func TestEventsDieAfterState(t *testing.T) {
	_, hs := testServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dies := streamEvents(t, ctx, hs.URL, filtersQuery(map[string][]string{"event": {"die"}}))
	time.Sleep(300 * time.Millisecond) // the stream is open
	for i, policy := range []string{"no", "on-failure"} {
		name := fmt.Sprintf("ev-die-%d", i)
		restart := map[string]any{"Name": policy}
		if policy == "on-failure" {
			restart["MaximumRetryCount"] = 1 // Docker's daemon refuses a count for "no"
		}
		b, _ := json.Marshal(map[string]any{"Image": "busybox", "Cmd": []string{"sh", "-c", "exit 3"},
			"HostConfig": map[string]any{"RestartPolicy": restart}})
		code, body := call(t, hs, "POST", "/v1.50/containers/create?name="+name, string(b))
		if code != http.StatusCreated {
			t.Fatalf("create %s = %d %s", name, code, body)
		}
		start(t, hs, name)
		m := next(t, dies)
		_, body = call(t, hs, "GET", "/v1.50/containers/"+name+"/json", "")
		var got struct {
			State struct{ Running, Restarting bool }
		}
		_ = json.Unmarshal([]byte(body), &got)
		if m.Actor.Attributes["exitCode"] != "3" || got.State.Running || (policy == "on-failure") != got.State.Restarting {
			t.Errorf("restart %s: die event %v, then inspect State %+v; want exit code 3, not running, restarting only with the policy", policy, m.Actor.Attributes, got.State)
		}
		call(t, hs, "DELETE", "/v1.50/containers/"+name+"?force=1", "")
	}
}
