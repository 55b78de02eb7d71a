package progress

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad puts arbitrary bytes where the progress file lives. Whatever
// they are, the student's next command must work: Load never fails on the
// contents, an unreadable file is moved aside byte for byte (nothing the
// student did is thrown away), and an update after it is read back intact.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		`{"version":1,"current":"intro","lessons":{"intro":{"current":"a","steps":{"a":{"done":true}}}}}`,
		`{"version":1,"lessons":{"intro":null}}`,
		`{"version":1,"lessons":{"intro":{"steps":{"a":null},"answers":{"q":null}}}}`,
		`{"version":2}`, `{"version":1}`, `null`, `[]`, `{`, "", "\x00\xff",
		`{"version":1,"lessons":{"x":{"started":"not a time"}}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), FileName)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s := Open(path, NoOwner)
		p, rec, err := s.Load()
		if err != nil {
			t.Fatalf("Load(%q) = %v, want progress or a recovery", data, err)
		}
		if rec != nil {
			kept, err := os.ReadFile(rec.Backup)
			if err != nil || !bytes.Equal(kept, data) {
				t.Fatalf("Load(%q) moved the file to %s holding %q, %v; want the original bytes", data, rec.Backup, kept, err)
			}
		}
		for id, l := range p.Lessons {
			l.IsDone("a")
			_ = id
		}
		if _, err := s.Update(func(p *Progress) error {
			p.Current = "intro"
			l := p.Lesson("intro")
			l.Current = "a"
			l.Step("a").Done = true
			l.Answer("q", []int{1})
			return nil
		}); err != nil {
			t.Fatalf("Update after Load(%q) = %v", data, err)
		}
		p, rec, err = s.Load()
		if err != nil || rec != nil {
			t.Fatalf("Load after Update = %v, %v; want a clean read", rec, err)
		}
		if !p.Lessons["intro"].IsDone("a") || p.Current != "intro" {
			t.Fatalf("Load after Update lost the update: %+v", p)
		}
	})
}

// Two unreadable files in the same second keep two backups.
func TestRecoveryKeepsEveryBackup(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	s := Open(path, NoOwner)
	var backups []string
	for _, junk := range []string{"{first", "{second"} {
		os.WriteFile(path, []byte(junk), 0o644)
		_, rec, err := s.Load()
		if err != nil || rec == nil {
			t.Fatalf("Load(%q) = %v, %v; want a recovery", junk, rec, err)
		}
		backups = append(backups, rec.Backup)
	}
	for i, want := range []string{"{first", "{second"} {
		if got, _ := os.ReadFile(backups[i]); string(got) != want {
			t.Errorf("backup %s = %q, want %q", backups[i], got, want)
		}
	}
}
