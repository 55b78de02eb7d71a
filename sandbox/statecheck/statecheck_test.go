package statecheck

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"golang.org/x/sys/unix"
)

func writeRecord(t *testing.T, root string, c container.Container) {
	t.Helper()
	dir := filepath.Join(root, "containers", c.ID)
	if err := os.MkdirAll(filepath.Join(dir, "upper"), 0o700); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	if err := os.WriteFile(filepath.Join(dir, "container.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCheckAndRepair lays out what crashes leave (a container directory
// without a record, a record still "running" after its monitor died, a
// temporary file of an atomic write, a volume directory without its record,
// two records with one name) and checks that Check reports each one once,
// with the object and the fix, and that Repair fixes all but the one a
// person must decide (which container keeps the name).
func TestCheckAndRepair(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: reads the host's links and mounts")
	}
	root := t.TempDir()
	id := func(c byte) string { return strings.Repeat(string(c), 64) }
	lower := t.TempDir()
	os.MkdirAll(filepath.Join(root, "containers", id('a')), 0o700) // no record
	writeRecord(t, root, container.Container{ID: id('b'), Name: "web", Created: time.Now(),
		Spec:  container.Spec{LowerDirs: []string{lower}},
		State: container.State{Status: container.Running, MonitorPid: 1 << 22, MonitorStart: 1}})
	writeRecord(t, root, container.Container{ID: id('c'), Name: "db", Created: time.Now(),
		Spec: container.Spec{LowerDirs: []string{lower}}, State: container.State{Status: container.Exited}})
	writeRecord(t, root, container.Container{ID: id('d'), Name: "db", Created: time.Now(),
		Spec: container.Spec{LowerDirs: []string{lower}}, State: container.State{Status: container.Exited}})
	os.WriteFile(filepath.Join(root, "containers", id('c'), ".container.json8151590734826"), []byte("{"), 0o600)
	os.MkdirAll(filepath.Join(root, "networks", "leases"), 0o711)
	os.WriteFile(filepath.Join(root, "networks", "leases", "."+id('b')+".json2203321"), []byte("{"), 0o600)
	os.MkdirAll(filepath.Join(root, "volumes", "half", "_data"), 0o755)

	ctx := context.Background()
	problems, err := Check(ctx, root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range problems {
		lines = append(lines, p.String())
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{
		"container aaaaaaaaaaaa: its directory has no record (a create or remove was cut short) (dockyard doctor --state --repair)",
		"container bbbbbbbbbbbb (web): recorded as running but its monitor is gone (dockyard doctor --state --repair)",
		`its name "db" is also container`,
		".container.json8151590734826: a temporary file of an atomic write that was cut short",
		"leases/." + id('b') + ".json2203321: a temporary file of an atomic write that was cut short",
		"volume half: its directory has no record",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("Check() =\n%s\nwant a line with %q", got, want)
		}
	}
	if len(problems) != 6 {
		t.Errorf("Check() found %d problems, want 6:\n%s", len(problems), got)
	}

	fixed, err := Repair(ctx, problems)
	if err != nil || fixed != 5 {
		t.Errorf("Repair() = %d, %v; want 5 fixed, no error", fixed, err)
	}
	after, err := Check(ctx, root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != 1 || !strings.Contains(after[0].String(), `"db"`) || after[0].Repairable() {
		t.Errorf("after Repair, Check() = %v; want only the shared name, not repairable", after)
	}
	b, _ := os.ReadFile(filepath.Join(root, "containers", id('b'), "container.json"))
	var c container.Container
	json.Unmarshal(b, &c)
	if c.State.Status != container.Exited || c.State.ExitCode != 255 {
		t.Errorf("repaired record state = %s (exit %d), want exited (255)", c.State.Status, c.State.ExitCode)
	}
}

// TestCgroupsOfADirectoryBeingRemoved: a --rm container's monitor removes
// the record before the cgroups and the directory, so for a moment the
// directory has no record and the cgroups are still there. Check leaves
// both alone while the directory changed within TempAge, and reports both
// once it is older.
func TestCgroupsOfADirectoryBeingRemoved(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: makes a cgroup")
	}
	root := t.TempDir()
	id := strings.Repeat("e", 63) + "1"
	os.MkdirAll(filepath.Join(root, "containers", id), 0o700)
	cg := filepath.Join("/sys/fs/cgroup", "pids", "dockyard", id)
	if _, err := os.Stat(filepath.Dir(filepath.Dir(cg))); err != nil {
		cg = filepath.Join("/sys/fs/cgroup", "dockyard", id) // cgroup v2
	}
	if err := os.MkdirAll(cg, 0o755); err != nil {
		t.Skipf("cannot make a cgroup here: %v", err)
	}
	t.Cleanup(func() { os.Remove(cg) })

	problems, err := Check(context.Background(), root, Options{TempAge: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Errorf("Check() of a directory being removed now = %v, want nothing", problems)
	}
	// Its monitor holds the directory's lock while it removes it: that
	// tells, whatever the directory's age, until the monitor lets go (or
	// dies).
	fd, err := unix.Open(filepath.Join(root, "containers", id), unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	problems, err = Check(context.Background(), root, Options{})
	unix.Close(fd)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Errorf("Check() of a directory its monitor is removing = %v, want nothing", problems)
	}
	problems, err = Check(context.Background(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, p := range problems {
		lines = append(lines, p.String())
	}
	got := strings.Join(lines, "\n")
	if len(problems) != 2 || !strings.Contains(got, "its directory has no record") || !strings.Contains(got, "cgroup "+cg+": its container is not running") {
		t.Errorf("Check() of a directory left so = \n%s\nwant its missing record and its cgroup", got)
	}
}
