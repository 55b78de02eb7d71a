package container

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestCapabilities(t *testing.T) {
	tests := []struct {
		add, drop []string
		has       []string
		hasNot    []string
		wantErr   string
	}{
		{has: []string{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"}, hasNot: []string{"CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SYS_MODULE"}},
		{add: []string{"net_admin"}, drop: []string{"CAP_CHOWN"}, has: []string{"CAP_NET_ADMIN", "CAP_KILL"}, hasNot: []string{"CAP_CHOWN"}},
		{drop: []string{"ALL"}, add: []string{"KILL"}, has: []string{"CAP_KILL"}, hasNot: []string{"CAP_CHOWN", "CAP_SETUID"}},
		{add: []string{"ALL"}, has: []string{"CAP_SYS_ADMIN", "CAP_SYS_MODULE"}},
		{add: []string{"FLY"}, wantErr: `invalid capability "FLY"`},
	}
	for _, tt := range tests {
		got, err := Capabilities(tt.add, tt.drop)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Capabilities(%q, %q) = %v, want error %q", tt.add, tt.drop, err, tt.wantErr)
			}
			continue
		}
		set := map[string]bool{}
		for _, c := range got {
			set[c] = true
		}
		for _, c := range tt.has {
			if !set[c] {
				t.Errorf("Capabilities(%q, %q) lacks %s", tt.add, tt.drop, c)
			}
		}
		for _, c := range tt.hasNot {
			if set[c] {
				t.Errorf("Capabilities(%q, %q) has %s", tt.add, tt.drop, c)
			}
		}
	}
	if got, _ := Capabilities(nil, nil); len(got) != len(DefaultCapabilities) {
		t.Errorf("default set has %d capabilities, want Docker's %d", len(got), len(DefaultCapabilities))
	}
}

func TestProcessEnv(t *testing.T) {
	got := processEnv([]string{"A=1"}, "box", "/root", true)
	want := []string{defaultPath, "A=1", "HOSTNAME=box", "TERM=xterm", "HOME=/root"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("processEnv = %q, want %q", got, want)
	}
	got = processEnv([]string{"PATH=/x", "HOME=/h", "HOSTNAME=mine"}, "box", "/root", false)
	want = []string{"PATH=/x", "HOME=/h", "HOSTNAME=mine"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("processEnv keeps the container's own = %q, want %q", got, want)
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]unix.Signal{"KILL": unix.SIGKILL, "sigterm": unix.SIGTERM, "9": unix.SIGKILL, "HUP": unix.SIGHUP} {
		if got, err := ParseSignal(in); err != nil || got != want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"NOPE", "0", "99"} {
		if _, err := ParseSignal(bad); err == nil {
			t.Errorf("ParseSignal(%q) accepted it", bad)
		}
	}
}

func TestClassifyStartError(t *testing.T) {
	tests := map[string]int{
		`unable to start container process: exec: "nosuch": executable file not found in $PATH`: 127,
		`unable to start container process: exec: "/etc/passwd": permission denied`:             126,
		`unable to start container process: error during container init: mount failed`:          125,
	}
	for msg, want := range tests {
		var se *StartError
		err := classifyStartError(errString(msg))
		if e, ok := err.(*StartError); ok {
			se = e
		}
		if se == nil || se.Code != want {
			t.Errorf("classifyStartError(%q) = %v, want code %d", msg, err, want)
		}
	}
}

type errString string

func (e errString) Error() string { return string(e) }
