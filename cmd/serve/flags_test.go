package serve

import (
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

func TestFlags(t *testing.T) {
	tests := []struct {
		args          []string
		socket, group string
		groupSet      bool
	}{
		{nil, DefaultSocket, "docker", false},
		{[]string{"--socket", "/tmp/x.sock"}, "/tmp/x.sock", "docker", false},
		{[]string{"--group", ""}, DefaultSocket, "", true},
		{[]string{"--group", "staff"}, DefaultSocket, "staff", true},
	}
	for _, tt := range tests {
		f := factory.New("test")
		f.IOStreams, _, _, _ = iostreams.Test()
		var got *Options
		cmd := NewCmdServe(f, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("serve %v: %v", tt.args, err)
		}
		if got.Socket != tt.socket || got.Group != tt.group || got.GroupSet != tt.groupSet {
			t.Errorf("serve %v = socket %q group %q set %v, want %q %q %v", tt.args, got.Socket, got.Group, got.GroupSet, tt.socket, tt.group, tt.groupSet)
		}
	}
}

// TestSocketGroup: the default group "docker" applies only where it
// exists; a group asked for is kept (Listen then says if it is missing).
func TestSocketGroup(t *testing.T) {
	if g := socketGroup(&Options{Group: "no-such-group-dy"}); g != "" {
		t.Errorf("socketGroup(default, missing) = %q, want root only", g)
	}
	if g := socketGroup(&Options{Group: "no-such-group-dy", GroupSet: true}); g != "no-such-group-dy" {
		t.Errorf("socketGroup(asked for) = %q, want it kept", g)
	}
	if g := socketGroup(&Options{Group: "root"}); g != "root" {
		t.Errorf("socketGroup(default, existing) = %q, want root", g)
	}
}
