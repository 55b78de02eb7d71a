package registry

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

func TestStartFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "127.0.0.1:5000"},
		{[]string{"--addr", "127.0.0.1:5055"}, "127.0.0.1:5055"},
	} {
		ios, _, _, _ := iostreams.Test()
		var got *StartOptions
		cmd := NewCmdStart(&factory.Factory{IOStreams: ios, Root: "/r"}, func(o *StartOptions) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err != nil {
			t.Fatal(err)
		}
		if got.Addr != tt.want || got.Root != "/r" {
			t.Errorf("registry start %q: addr %q root %q, want %q and /r", tt.args, got.Addr, got.Root, tt.want)
		}
	}
}

func TestStatusAndStopWhenNothingRuns(t *testing.T) {
	root := t.TempDir()
	ios, _, out, _ := iostreams.Test()
	err := statusRun(&StatusOptions{IO: ios, Root: root})
	var se *factory.StatusError
	if !errors.As(err, &se) || se.Code != 3 || !strings.Contains(out.String(), "registry not running (start it with: dockyard registry start)") {
		t.Errorf("status with nothing running = %v, %q; want exit 3 and how to start one", err, out)
	}
	err = stopRun(context.Background(), &StopOptions{IO: ios, Root: root})
	if err == nil || !strings.Contains(err.Error(), "no registry is running") {
		t.Errorf("stop with nothing running = %v, want it to say so", err)
	}
}
