package cli

import (
	"errors"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// TestForEachThenErrors: `docker rm a busy b` prints a and b, then busy's
// error, and fails, as docker/cli's rm joins its errors; `docker rm -f
// nosuch` prints the error and does not fail.
func TestForEachThenErrors(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	busy := errors.New(`cannot remove container "busy": container is running`)
	err := ForEachThenErrors(ios, []string{"a", "busy", "b"}, nil, func(name string) error {
		if name == "busy" {
			return busy
		}
		return nil
	})
	if err == nil || out.String() != "a\nb\n" || errOut.String() != DaemonPrefix+busy.Error()+"\n" {
		t.Errorf("ForEachThenErrors(a busy b) = %v, stdout %q, stderr %q; want a failure, a and b, then busy's error", err, out, errOut)
	}

	ios, _, out, errOut = iostreams.Test()
	notFound := func(err error) bool { return engine.KindOf(err) == engine.NotFound }
	err = ForEachThenErrors(ios, []string{"nosuch"}, notFound, func(string) error {
		return engine.Missing(errors.New("No such container: nosuch"))
	})
	if err != nil || out.Len() != 0 || errOut.String() != DaemonPrefix+"No such container: nosuch\n" {
		t.Errorf("ForEachThenErrors(nosuch) with not found allowed = %v, stdout %q, stderr %q; want success and the error printed", err, out, errOut)
	}
}
