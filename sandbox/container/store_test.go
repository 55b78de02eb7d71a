package container

import (
	"context"
	"errors"
	"github.com/gofrs/flock"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDefaultResolvConf: a container starts with the host's resolvers
// minus loopback ones (its own loopback serves no DNS) and the host's
// search domains, as Docker writes it for --network none.
func TestDefaultResolvConf(t *testing.T) {
	tests := []struct {
		name, host, want string
	}{
		{"plain", "nameserver 10.0.0.2\nnameserver 10.0.0.3\n", "nameserver 10.0.0.2\nnameserver 10.0.0.3\n"},
		{"loopback dropped", "nameserver 127.0.0.53\nnameserver ::1\nnameserver 192.0.2.1\n", "nameserver 192.0.2.1\n"},
		{"search kept, options dropped", "search lab.example corp.example\nnameserver 192.0.2.1\noptions edns0 trust-ad\n", "nameserver 192.0.2.1\nsearch lab.example corp.example\n"},
		{"only loopback", "nameserver 127.0.0.1\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "resolv.conf")
			if err := os.WriteFile(p, []byte(tt.host), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Setenv("DOCKYARD_RESOLV_CONF", p)
			if got := string(defaultResolvConf()); got != tt.want {
				t.Errorf("defaultResolvConf() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDamagedRecords: a container.json that cannot be read hides only its
// own container: the others are listed and found, the damaged one is
// reported by id, commands naming it get a *DamagedError, and Delete
// removes what is on disk.
func TestDamagedRecords(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root") // Create gives the upper dir the image root's owner
	}
	damage := map[string]func(path string) error{
		"truncated":   func(p string) error { return os.WriteFile(p, []byte(`{"ID": "ab`), 0o600) },
		"empty":       func(p string) error { return os.WriteFile(p, nil, 0o600) },
		"another id":  func(p string) error { return os.WriteFile(p, []byte(`{"ID": "other"}`), 0o600) },
		"a directory": func(p string) error { os.Remove(p); return os.Mkdir(p, 0o700) },
		"json null":   func(p string) error { return os.WriteFile(p, []byte("null"), 0o600) },
	}
	for name, fn := range damage {
		t.Run(name, func(t *testing.T) {
			s, err := Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			spec := Spec{Image: "busybox", LowerDirs: []string{t.TempDir()}}
			spec.Name = "good"
			good, err := s.Create(spec)
			if err != nil {
				t.Fatal(err)
			}
			spec.Name = "bad"
			bad, err := s.Create(spec)
			if err != nil {
				t.Fatal(err)
			}
			if err := fn(s.recordPath(bad.ID)); err != nil {
				t.Fatal(err)
			}

			all, err := s.List()
			if err != nil || len(all) != 1 || all[0].ID != good.ID {
				t.Fatalf("List() = %v, %v; want only %s", all, err, good.Name)
			}
			damaged, err := s.Damaged()
			if err != nil || len(damaged) != 1 || damaged[0].ID != bad.ID {
				t.Fatalf("Damaged() = %v, %v; want %s", damaged, err, bad.ShortID())
			}
			if c, err := s.Get("good"); err != nil || c.ID != good.ID {
				t.Errorf("Get(good) = %v, %v", c, err)
			}
			var d *DamagedError
			if _, err := s.Get(bad.ShortID()); !errors.As(err, &d) || d.ID != bad.ID {
				t.Errorf("Get(damaged id prefix) = %v, want a *DamagedError", err)
			}
			if _, err := s.Get(bad.ID); !errors.As(err, &d) {
				t.Errorf("Get(damaged full id) = %v, want a *DamagedError", err)
			}
			if err := s.Remove(context.Background(), bad.ShortID(), false); !errors.As(err, &d) {
				t.Errorf("Remove(damaged, no force) = %v, want a *DamagedError", err)
			}
			if err := s.Remove(context.Background(), bad.ShortID(), true); err != nil {
				t.Fatalf("Remove(damaged, force) = %v", err)
			}
			if _, err := os.Stat(s.Dir(bad.ID)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the damaged container's directory is still there: %v", err)
			}
			if damaged, _ := s.Damaged(); len(damaged) != 0 {
				t.Errorf("Damaged() after rm -f = %v", damaged)
			}
		})
	}
}

// TestListRemovesLeftoverDirectories: a directory without a record (a
// docker rm or create killed half-way; found by e2e's TestCrashPoints after
// a killed docker build) is removed by the next List, as a daemon cleans up
// at start-up, and a container with its record is kept.
func TestListRemovesLeftoverDirectories(t *testing.T) {
	root := t.TempDir()
	s, err := Open(root)
	if err != nil {
		t.Fatal(err)
	}
	lower := t.TempDir()
	kept, err := s.Create(Spec{LowerDirs: []string{lower}})
	if err != nil {
		t.Fatal(err)
	}
	leftover := s.Dir(strings.Repeat("f", 64))
	if err := os.MkdirAll(filepath.Join(leftover, "upper", "etc"), 0o700); err != nil {
		t.Fatal(err)
	}
	all, err := s.List()
	if err != nil || len(all) != 1 || all[0].ID != kept.ID {
		t.Fatalf("List() = %v, %v; want only %s", all, err, kept.ShortID())
	}
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the directory without a record is still there after List (%v)", err)
	}
	if _, err := os.Stat(s.Dir(kept.ID)); err != nil {
		t.Errorf("List removed a container with a record: %v", err)
	}
}

// TestListSweepsCutShortWrites: a record write killed between creating its
// temporary file and renaming it (found by e2e's TestCrashPoints, `dockyard
// serve` killed during run --restart) leaves ".container.json<digits>";
// the next List removes it, as it removes a directory without a record,
// but not while another writer holds the store lock.
func TestListSweepsCutShortWrites(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Create(Spec{LowerDirs: []string{t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	temp := filepath.Join(s.Dir(c.ID), ".container.json8316832914351927383")
	if err := os.WriteFile(temp, []byte(`{"Id":`), 0o600); err != nil {
		t.Fatal(err)
	}

	writer := flock.New(filepath.Join(s.dir, ".lock"))
	if err := writer.Lock(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.List(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(temp); err != nil {
		t.Errorf("List removed a temporary file while a writer held the lock: %v", err)
	}
	writer.Close()

	if all, err := s.List(); err != nil || len(all) != 1 {
		t.Fatalf("List() = %v, %v; want the one container", all, err)
	}
	if _, err := os.Stat(temp); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary file of a cut-short write is still there after List (%v)", err)
	}
	if _, err := s.Get(c.ID); err != nil {
		t.Errorf("the container's record went with the temporary file: %v", err)
	}
}

// TestRemoveCgroupsKillsWhatIsLeft: a container whose monitor was killed
// before libcontainer saved its state leaves its process in its cgroup;
// removing the cgroups kills it first (found by e2e's TestCrashPoints).
func TestRemoveCgroupsKillsWhatIsLeft(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: makes a cgroup")
	}
	id := strings.Repeat("c", 63) + "1"
	dir := filepath.Join("/sys/fs/cgroup", "pids", "dockyard", id)
	if _, err := os.Stat(filepath.Dir(filepath.Dir(dir))); err != nil {
		dir = filepath.Join("/sys/fs/cgroup", "dockyard", id) // cgroup v2
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Skipf("cannot make a cgroup here: %v", err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644); err != nil {
		cmd.Process.Kill()
		t.Fatal(err)
	}
	removeCgroups(id)
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("cgroup %s is still there after removeCgroups (%v)", dir, err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		cmd.Process.Kill()
		t.Error("the process in the cgroup was not killed")
	}
}

// TestUpdateRunState: the monitor's run-state writes (no fsync) replace the
// record whole, keep its mode, and leave no temporary file beside it.
func TestUpdateRunState(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root") // Create gives the upper dir the image root's owner
	}
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	spec := Spec{Image: "busybox", LowerDirs: []string{t.TempDir()}}
	spec.Name = "web"
	c, err := s.Create(spec)
	if err != nil {
		t.Fatal(err)
	}
	entries := func() []string {
		ents, err := os.ReadDir(s.Dir(c.ID))
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return names
	}
	before := entries()
	if _, err := s.updateRunState(c.ID, func(c *Container) error {
		c.State.Status = Running
		c.State.Pid = 4242
		return nil
	}); err != nil {
		t.Fatalf("updateRunState() = %v", err)
	}
	got, err := s.Get(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State.Status != Running || got.State.Pid != 4242 || got.Name != "web" {
		t.Errorf("after updateRunState, Get() = status %v pid %d name %q, want running 4242 web", got.State.Status, got.State.Pid, got.Name)
	}
	if after := entries(); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("container directory after updateRunState = %v, want %v (no temporary file left)", after, before)
	}
	if fi, err := os.Stat(s.recordPath(c.ID)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("record mode = %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if _, err := s.updateRunState(c.ID, func(*Container) error { return errors.New("no") }); err == nil {
		t.Error("updateRunState(fn failing) = nil, want fn's error")
	}
}

// The store's lock excludes the goroutines of one process (dockyard serve)
// as it does processes: 40 concurrent Updates lose none, and an Update
// racing a Delete never brings the removed record back.
func TestLockExcludesGoroutines(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root") // Create gives the upper dir the image root's owner
	}
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Create(Spec{Image: "busybox", LowerDirs: []string{t.TempDir()}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Update(c.ID, func(c *Container) error {
				n := c.State.RestartCount
				time.Sleep(time.Millisecond) // widen the window a missing lock leaves
				c.State.RestartCount = n + 1
				return nil
			})
		}()
	}
	wg.Wait()
	if got, err := s.Get(c.ID); err != nil || got.State.RestartCount != 40 {
		t.Fatalf("after 40 concurrent Updates RestartCount = %d (%v), want 40", got.State.RestartCount, err)
	}

	for range 20 {
		c, err := s.Create(Spec{Image: "busybox", LowerDirs: []string{t.TempDir()}})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(2)
		go func() {
			defer wg.Done()
			s.Update(c.ID, func(c *Container) error { time.Sleep(time.Millisecond); return nil })
		}()
		go func() { defer wg.Done(); s.Delete(c.ID) }()
		wg.Wait()
		if _, err := s.Get(c.ID); err == nil {
			t.Fatalf("Get(%s) after Delete found it: an Update wrote the removed record back", c.ShortID())
		}
	}
}
