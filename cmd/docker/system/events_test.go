package system

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/events"
)

// The line and --format outputs match docker/cli's golden files for the
// same four events (cli/command/system/testdata/docker-events-*.golden).
func TestEventsFormat(t *testing.T) {
	local := time.Local
	time.Local = time.UTC
	t.Cleanup(func() { time.Local = local })
	var msgs []events.Message
	for i, action := range []string{"create", "start", "attach", "die"} {
		msgs = append(msgs, events.Message{
			Type: events.Container, Action: action,
			Actor: events.Actor{ID: "abc123", Attributes: map[string]string{"image": "ubuntu:latest"}},
			Scope: "local", Time: int64(time.Second) * int64(i+1), TimeNano: int64(time.Second) * int64(i+1),
		})
	}
	jsonLines := `{"Type":"container","Action":"create","Actor":{"ID":"abc123","Attributes":{"image":"ubuntu:latest"}},"scope":"local","time":1000000000,"timeNano":1000000000}
{"Type":"container","Action":"start","Actor":{"ID":"abc123","Attributes":{"image":"ubuntu:latest"}},"scope":"local","time":2000000000,"timeNano":2000000000}
{"Type":"container","Action":"attach","Actor":{"ID":"abc123","Attributes":{"image":"ubuntu:latest"}},"scope":"local","time":3000000000,"timeNano":3000000000}
{"Type":"container","Action":"die","Actor":{"ID":"abc123","Attributes":{"image":"ubuntu:latest"}},"scope":"local","time":4000000000,"timeNano":4000000000}
`
	for _, tc := range []struct{ format, want string }{
		{"", `1970-01-01T00:00:01.000000000Z container create abc123 (image=ubuntu:latest)
1970-01-01T00:00:02.000000000Z container start abc123 (image=ubuntu:latest)
1970-01-01T00:00:03.000000000Z container attach abc123 (image=ubuntu:latest)
1970-01-01T00:00:04.000000000Z container die abc123 (image=ubuntu:latest)
`},
		{"json", jsonLines},
		{"{{ json . }}", jsonLines},
		{"{{ json .Action }}", "\"create\"\n\"start\"\n\"attach\"\n\"die\"\n"},
		{"{{.Actor.Attributes.name}}", strings.Repeat("<no value>\n", 4)},
	} {
		tmpl, err := eventTemplate(tc.format)
		if err != nil {
			t.Fatalf("eventTemplate(%q) = %v", tc.format, err)
		}
		var out bytes.Buffer
		for _, m := range msgs {
			if err := writeEvent(&out, tmpl, m); err != nil {
				t.Fatal(err)
			}
		}
		if out.String() != tc.want {
			t.Errorf("--format %q:\n%s\nwant:\n%s", tc.format, out.String(), tc.want)
		}
	}
	if _, err := eventTemplate("{{.Nope}}"); err == nil {
		t.Error(`eventTemplate("{{.Nope}}") = nil, want an error before any event`)
	}
}

// Flags reach the options as Docker's CLI parses them: --filter repeats
// and lowercases its key; a filter without "=" is a flag error.
func TestEventsFlags(t *testing.T) {
	var got *EventsOptions
	f := &factory.Factory{}
	cmd := NewCmdEvents(f, func(o *EventsOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"--since", "10m", "--until", "0s", "-f", "Type=container", "--filter", "event=start", "--filter", "event=die", "--format", "json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"type": {"container"}, "event": {"start", "die"}}
	if fmt.Sprint(got.Filters) != fmt.Sprint(want) || got.Since != "10m" || got.Until != "0s" || got.Format != "json" {
		t.Errorf("options = %+v, want filters %v, since 10m, until 0s, format json", got, want)
	}
	cmd = NewCmdEvents(f, func(*EventsOptions) error { return nil })
	cmd.SetArgs([]string{"--filter", "type"})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	if err := cmd.Execute(); err == nil || !strings.Contains(err.Error(), "bad format of filter (expected name=value)") {
		t.Errorf("--filter type = %v, want Docker's bad format error", err)
	}
}

// docker events replays what the engine did between --since and --until
// and ends, filtered, in Docker's line; a bad filter or window is the
// daemon's error.
func TestEventsRun(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: opens the engine")
	}
	root := t.TempDir()
	ctx := context.Background()
	if _, err := engine.Open(ctx, engine.Options{Root: root}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	log := events.Open(root)
	log.Emit(events.Volume, "create", "data", map[string]string{"driver": "local"})
	id := strings.Repeat("3f", 32)
	log.Emit(events.Container, "create", id, map[string]string{"image": "busybox", "name": "x"})
	log.Emit(events.Container, "start", id, map[string]string{"image": "busybox", "name": "x"})
	time.Sleep(10 * time.Millisecond)
	after := time.Now()
	log.Emit(events.Container, "die", id, map[string]string{"image": "busybox", "name": "x", "exitCode": "0"})

	run := func(args ...string) (string, int) {
		ios, _, out, errOut := iostreams.Test()
		f := &factory.Factory{IOStreams: ios, Root: root, Version: "test"}
		rootCmd := cli.NewRoot(f)
		dockerCmd := &cobra.Command{Use: "docker"}
		dockerCmd.AddCommand(NewCmdEvents(f, nil))
		rootCmd.AddCommand(dockerCmd)
		code := cli.Run(f, rootCmd, append([]string{"docker", "events"}, args...))
		return out.String() + errOut.String(), code
	}
	ts := func(t time.Time) string { return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond()) }

	out, code := run("--since", ts(start), "--until", ts(after), "--filter", "type=container")
	line := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|[+-]\d\d:\d\d) container (create|start) ` + id + ` \(image=busybox, name=x\)$`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !line.MatchString(lines[0]) || !strings.Contains(lines[1], " container start ") {
		t.Errorf("events --since --until --filter type=container = %d:\n%s\nwant the create and start lines", code, out)
	}
	out, code = run("--since", ts(start), "--until", ts(time.Now()), "--filter", "event=die", "--format", "{{.Actor.Attributes.exitCode}} {{.Status}}")
	if code != 0 || out != "0 die\n" {
		t.Errorf("events --filter event=die --format = %d %q, want \"0 die\"", code, out)
	}
	if out, code := run("--since", "1h", "--until", "0s", "--filter", "colour=red"); code != 1 || out != "Error response from daemon: invalid filter 'colour'\n" {
		t.Errorf("events --filter colour=red = %d %q, want the daemon's invalid filter", code, out)
	}
	if out, code := run("--since", "0s", "--until", "1h"); code != 1 || !strings.Contains(out, "cannot be after `until` time") {
		t.Errorf("events --since 0s --until 1h = %d %q, want since after until refused", code, out)
	}
	if out, code := run("--since", "yesterday"); code != 1 || out != "failed to parse value as time or duration: \"yesterday\"\n" {
		t.Errorf("events --since yesterday = %d %q, want Docker's parse error", code, out)
	}
	if out, code := run("--format", "{{.Nope}}"); code != 64 || !strings.HasPrefix(out, "Error parsing format: ") {
		t.Errorf("events --format {{.Nope}} = %d %q, want 64 and Docker's message", code, out)
	}
}
