package registry

import (
	"context"
	"errors"
	"net"
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

// TestSaysItInKorean: the registry lesson's own commands answer a Korean
// student in Korean, as the lesson around them does.
func TestSaysItInKorean(t *testing.T) {
	root := t.TempDir()
	ios, _, out, _ := iostreams.Test()
	err := statusRun(&StatusOptions{IO: ios, Root: root, Lang: "ko"})
	if want := "레지스트리가 실행 중이 아니에요 (시작하려면: dockyard registry start)\n"; out.String() != want {
		t.Errorf("status (ko) = %v, %q; want %q", err, out, want)
	}
	err = stopRun(context.Background(), &StopOptions{IO: ios, Root: root, Lang: "ko"})
	if want := "실행 중인 레지스트리가 없어요 (시작하려면: dockyard registry start)"; err == nil || err.Error() != want {
		t.Errorf("stop (ko) = %v, want %q", err, want)
	}
	// Something else listens on the address.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	exe := func() (string, error) { return "/bin/false", nil }
	err = startRun(context.Background(), &StartOptions{IO: ios, Root: root, Addr: ln.Addr().String(), Lang: "ko", Executable: exe})
	if want := "이미 다른 것이 " + ln.Addr().String() + "에서 듣고 있어요: 그것을 멈추거나 --addr로 다른 주소를 쓰세요"; err == nil || err.Error() != want {
		t.Errorf("start on a used address (ko) = %v, want %q", err, want)
	}
}
