package learn

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

// dockyard doctor --state prints one line per problem with its fix and
// exits 1; --repair fixes what is safe and exits 0 when nothing is left.
func TestDoctorState(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: reads the host's links and mounts")
	}
	root := t.TempDir()
	leftover := filepath.Join(root, "containers", strings.Repeat("e", 64))
	if err := os.MkdirAll(filepath.Join(leftover, "upper"), 0o700); err != nil {
		t.Fatal(err)
	}
	// Left by a crash an hour ago, not a create under way.
	hourAgo := time.Now().Add(-time.Hour)
	if err := os.Chtimes(leftover, hourAgo, hourAgo); err != nil {
		t.Fatal(err)
	}
	ios, _, out, _ := iostreams.Test()
	f := &factory.Factory{IOStreams: ios, Root: root, Version: "test"}

	err := doctorStateRun(context.Background(), &DoctorOptions{Common: Common{Factory: f}, State: true})
	var se *factory.StatusError
	if !errors.As(err, &se) || se.Code != 1 {
		t.Errorf("doctor --state = %v, want exit 1", err)
	}
	want := "✗ container eeeeeeeeeeee: its directory has no record (a create or remove was cut short) (dockyard doctor --state --repair)\n1 problems in " + root + "\n"
	if out.String() != want {
		t.Errorf("doctor --state printed\n%s\nwant\n%s", out, want)
	}

	out.Reset()
	if err := doctorStateRun(context.Background(), &DoctorOptions{Common: Common{Factory: f}, State: true, Repair: true}); err != nil {
		t.Errorf("doctor --state --repair = %v, want nil\n%s", err, out)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the leftover directory is still there after --repair (%v)", err)
	}
	if want := "repaired 1 of 1 problems\n✓ state root " + root + ": no problems\n"; out.String() != want {
		t.Errorf("doctor --state --repair printed\n%s\nwant\n%s", out, want)
	}
}
