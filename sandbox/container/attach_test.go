package container

import (
	"errors"
	"fmt"
	"net"
	"os"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/errdefs"
)

// TestStartErrorKind: a failed start's kind crosses the monitor's
// protocol, so the API server answers a port the host holds with 500 and a
// command not found with 400, as Docker's daemon.
func TestStartErrorKind(t *testing.T) {
	tests := []struct {
		err  error
		want errdefs.Kind
	}{
		{classifyStartError(errString(`exec: "nosuch": executable file not found in $PATH`)), errdefs.InvalidArgument},
		{classifyStartError(errString(`error during container init: mount failed`)), errdefs.Fault},
		{errString("Bind for 127.0.0.1:8080 failed: port is already allocated"), errdefs.Fault},
		{fmt.Errorf("prestart: %w", errdefs.Mark(errdefs.NotFound, errString("network x not found"))), errdefs.NotFound},
	}
	for _, tt := range tests {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		monitor := newMonitorClient(os.NewFile(uintptr(fds[0]), "monitor"))
		callerConn, err := net.FileConn(os.NewFile(uintptr(fds[1]), "caller"))
		if err != nil {
			t.Fatal(err)
		}
		se := startErrorOf(tt.err)
		monitor.sendStatus(frameStartError, exitStatus{Code: se.Code, Error: se.Msg, Kind: se.Kind})
		monitor.close()
		got := (&Attachment{conn: callerConn.(*net.UnixConn)}).waitStarted()
		callerConn.Close()
		var gotSE *StartError
		if !errors.As(got, &gotSE) || gotSE.Kind != tt.want || gotSE.Msg != se.Msg {
			t.Errorf("waitStarted after the monitor's %v = %#v, want a StartError of kind %v", tt.err, got, tt.want)
		}
	}
}
