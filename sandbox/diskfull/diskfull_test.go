package diskfull_test

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/diskfull"
)

func TestWrap(t *testing.T) {
	full := fmt.Errorf("pull busybox: %w", &fs.PathError{Op: "write", Path: "/r/images/tmp/x", Err: syscall.ENOSPC})
	err := diskfull.Wrap(full, "pulling busybox:latest", "/var/lib/dockyard")
	want := "no space left on device while pulling busybox:latest in /var/lib/dockyard: free space there"
	if got := err.Error(); len(got) < len(want) || got[:len(want)] != want {
		t.Errorf("Wrap(ENOSPC) = %q, want it to start with %q", got, want)
	}
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Wrap(ENOSPC) lost the errno: %v", err)
	}
	if again := diskfull.Wrap(fmt.Errorf("outer: %w", err), "other", "/x"); !errors.Is(again, err) || again.Error() != "outer: "+err.Error() {
		t.Errorf("Wrap of a wrapped *Error = %q, want it unchanged", again)
	}
	other := errors.New("connection refused")
	if got := diskfull.Wrap(other, "pulling", "/r"); got != other {
		t.Errorf("Wrap(other) = %v, want it unchanged", got)
	}
	if got := diskfull.Wrap(nil, "pulling", "/r"); got != nil {
		t.Errorf("Wrap(nil) = %v, want nil", got)
	}
	if !diskfull.Is(&fs.PathError{Err: syscall.EDQUOT}) {
		t.Error("Is(EDQUOT) = false, want true: a quota is a full disk to the student")
	}
}
