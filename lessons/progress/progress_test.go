package progress

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

func TestUpdateAndLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "dockyard", FileName)
	s := Open(path, NoOwner)
	p, rec, err := s.Load()
	if err != nil || rec != nil || len(p.Lessons) != 0 {
		t.Fatalf("Load() of a missing file = %v, %v, %v; want empty progress", p, rec, err)
	}
	_, err = s.Update(func(p *Progress) error {
		p.Current = "intro"
		l := p.Lesson("intro")
		l.Current = "two"
		l.Step("one").Done = true
		l.Step("two").Hints = 2
		l.Answer("q", []int{1, 3})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p, rec, err = Open(path, NoOwner).Load()
	if err != nil || rec != nil {
		t.Fatalf("Load() = %v, %v", rec, err)
	}
	l := p.Lessons["intro"]
	if p.Current != "intro" || l.Current != "two" || !l.IsDone("one") || l.IsDone("two") || l.Steps["two"].Hints != 2 {
		t.Errorf("Load() = %+v, lesson %+v; want what Update wrote", p, l)
	}
	if got := l.Answers["q"]; len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Errorf("Answers[q] = %v, want [1 3]", got)
	}
}

func TestCorruptFileIsBackedUp(t *testing.T) {
	for _, tc := range []struct {
		name, content, reason string
	}{
		{"truncated", `{"version": 1, "lessons": {`, "not valid JSON: unexpected EOF"},
		{"garbage", "\x00\x01binary", "not valid JSON: invalid character '\\x00' looking for beginning of value"},
		{"old version", `{"version": 0, "lessons": {}}`, "format version 0, this dockyard writes version 1"},
		{"newer version", `{"version": 7}`, "format version 7, this dockyard writes version 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, []byte(tc.content), 0o644); err != nil {
				t.Fatal(err)
			}
			p, rec, err := Open(path, NoOwner).Load()
			if err != nil {
				t.Fatalf("Load() error = %v, want recovery", err)
			}
			if rec == nil || rec.Reason != tc.reason {
				t.Fatalf("Load() recovered = %+v, want reason %q", rec, tc.reason)
			}
			if len(p.Lessons) != 0 {
				t.Errorf("Load() = %+v, want empty progress", p)
			}
			old, err := os.ReadFile(rec.Backup)
			if err != nil || string(old) != tc.content {
				t.Errorf("backup %s = %q, %v; want the old content", rec.Backup, old, err)
			}
			if !strings.HasPrefix(filepath.Base(rec.Backup), FileName+".bak-") {
				t.Errorf("backup name = %s, want %s.bak-<time>", rec.Backup, FileName)
			}
			// The next update starts from fresh progress and succeeds.
			if _, err := Open(path, NoOwner).Update(func(p *Progress) error { p.Current = "x"; return nil }); err != nil {
				t.Fatal(err)
			}
			if p, rec, err := Open(path, NoOwner).Load(); err != nil || rec != nil || p.Current != "x" {
				t.Errorf("Load() after update = %+v, %v, %v", p, rec, err)
			}
		})
	}
}

// TestConcurrentUpdates runs many updates at once, each through its own
// Store (its own lock file descriptor, as separate processes would have),
// and expects none of them lost.
func TestConcurrentUpdates(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := Open(path, NoOwner).Update(func(p *Progress) error {
				p.Lesson("count").Step("s").Hints++
				return nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	p, rec, err := Open(path, NoOwner).Load()
	if err != nil || rec != nil {
		t.Fatalf("Load() = %v, %v", rec, err)
	}
	if got := p.Lessons["count"].Steps["s"].Hints; got != n {
		t.Errorf("after %d concurrent updates the counter = %d, want %d", n, got, n)
	}
}

func TestUpdateErrorWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s := Open(path, NoOwner)
	if _, err := s.Update(func(p *Progress) error { p.Current = "a"; return nil }); err != nil {
		t.Fatal(err)
	}
	wantErr := os.ErrInvalid
	if _, err := s.Update(func(p *Progress) error { p.Current = "b"; return wantErr }); err != wantErr {
		t.Fatalf("Update() error = %v, want %v", err, wantErr)
	}
	if p, _, _ := s.Load(); p.Current != "a" {
		t.Errorf("Current = %q after a failed update, want %q", p.Current, "a")
	}
}

func TestLocate(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"xdg", map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/home/a"}, "/x/state/dockyard/progress.json"},
		{"home", map[string]string{"HOME": "/home/a"}, "/home/a/.local/state/dockyard/progress.json"},
		{"relative xdg ignored", map[string]string{"XDG_STATE_HOME": "state", "HOME": "/home/a"}, "/home/a/.local/state/dockyard/progress.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := Locate(env(tc.env))
			if err != nil || got != tc.want {
				t.Errorf("Locate() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestLocateUnderSudo(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: sudo is only honoured for root")
	}
	// root's own entry stands in for the invoking user: it exists everywhere.
	got, owner, err := Locate(func(k string) string {
		return map[string]string{"SUDO_USER": "daemon", "HOME": "/root"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	if owner.UID <= 0 || !strings.HasSuffix(got, "/.local/state/dockyard/progress.json") || strings.HasPrefix(got, "/root/") {
		t.Errorf("Locate() under sudo = %q, %+v; want daemon's home and uid", got, owner)
	}
}

// TestOwnerUnderSudo: under sudo the file, its lock and the folders the
// store creates belong to the invoking user, not root.
func TestOwnerUnderSudo(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: only root can give files away")
	}
	home := t.TempDir()
	path := filepath.Join(home, ".local", "state", "dockyard", FileName)
	owner := Owner{UID: 4242, GID: 4243}
	if _, err := Open(path, owner).Update(func(p *Progress) error { p.Current = "x"; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{path, path + ".lock", filepath.Dir(path), filepath.Join(home, ".local")} {
		var st syscall.Stat_t
		if err := syscall.Lstat(p, &st); err != nil {
			t.Fatal(err)
		}
		if int(st.Uid) != owner.UID || int(st.Gid) != owner.GID {
			t.Errorf("%s is owned by %d:%d, want %d:%d", p, st.Uid, st.Gid, owner.UID, owner.GID)
		}
	}
	var st syscall.Stat_t
	if err := syscall.Lstat(home, &st); err != nil || st.Uid != 0 {
		t.Errorf("the existing home %s changed owner: %v %d", home, err, st.Uid)
	}
}
