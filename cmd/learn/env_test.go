package learn

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/lessons/progress"
)

// TestLoadCourse: --lessons takes folders separated by ":", "builtin" adds
// the built-in lessons, and a lesson found again later replaces the earlier.
func TestLoadCourse(t *testing.T) {
	own := t.TempDir()
	// An instructor's "intro" replaces the built-in one; "extra" is new.
	for _, id := range []string{"intro", "extra"} {
		dir := filepath.Join(own, id)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		src := "---\nid: " + id + "\ntitle: Mine " + id + "\nsummary: s\norder: 1\nminutes: 1\n---\n\n## S {#s}\n\nText.\n"
		if err := os.WriteFile(filepath.Join(dir, "lesson.en.md"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(LessonsEnv, "")

	builtin, err := LoadCourse("")
	if err != nil {
		t.Fatal(err)
	}
	if builtin.Len() == 0 {
		t.Fatal("LoadCourse(\"\") found no built-in lessons")
	}
	mine, err := LoadCourse(own)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(mine.IDs(), " "); got != "extra intro" {
		t.Errorf("LoadCourse(own).IDs() = %q, want only the instructor's lessons", got)
	}
	both, err := LoadCourse(Builtin + ":" + own)
	if err != nil {
		t.Fatal(err)
	}
	if both.Len() != builtin.Len()+1 {
		t.Errorf("LoadCourse(builtin:own).Len() = %d, want %d", both.Len(), builtin.Len()+1)
	}
	intro, err := both.Lesson("intro", "en")
	if err != nil || intro.Title != "Mine intro" {
		t.Errorf("intro = %v, %v; want the instructor's lesson to replace the built-in one", intro, err)
	}
	// The built-in lessons' index outlines only the built-in files.
	if intro, err := both.Outline("intro", "en"); err != nil || intro.Title != "Mine intro" || len(intro.Steps) != 1 {
		t.Errorf("Outline(intro) = %+v, %v; want the instructor's lesson, one step", intro, err)
	}
	t.Setenv(LessonsEnv, own)
	env, err := LoadCourse("")
	if err != nil {
		t.Fatal(err)
	}
	if env.Len() != 2 {
		t.Errorf("LoadCourse with %s=%s: %d lessons, want 2", LessonsEnv, own, env.Len())
	}
	if _, err := LoadCourse(filepath.Join(own, "missing")); err == nil || !strings.Contains(err.Error(), "not a folder (check --lessons or DOCKYARD_LESSONS)") {
		t.Errorf("LoadCourse(missing) error = %v", err)
	}
}

// TestWorkDirRemoved: a step's cleanup can remove the folder the student's
// shell is in; dockyard check then runs from / instead of failing with
// "getwd: no such file or directory".
func TestWorkDirRemoved(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if got, gone := workDir(); got != dir || gone {
		t.Fatalf("workDir() in %s = %q, %v", dir, got, gone)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if got, gone := workDir(); got != "/" || !gone {
		t.Errorf("workDir() in a removed folder = %q, %v; want /, true", got, gone)
	}
}

// TestHelpLang: a help is in the language a command would speak, the one
// remembered from an earlier --lang included, and showing it remembers
// nothing: `dockyard --lang ko learn --help` leaves the lessons in English.
func TestHelpLang(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("SUDO_USER", "")
	for _, v := range []string{i18n.LangEnv, "LC_ALL", "LC_MESSAGES"} {
		t.Setenv(v, "")
	}
	t.Setenv("LANG", "C.UTF-8")
	path, owner, err := progress.Locate(nil)
	if err != nil {
		t.Fatal(err)
	}
	store := progress.Open(path, owner)
	if _, err := store.Update(func(p *progress.Progress) error { p.Lang = "en"; return nil }); err != nil {
		t.Fatal(err)
	}
	f := &factory.Factory{Lang: "ko"}
	if got := HelpLang(f); got != "ko" {
		t.Errorf("HelpLang(--lang ko) = %q, want ko", got)
	}
	if kept, err := store.Lang(); kept != "en" || err != nil {
		t.Errorf("after HelpLang(--lang ko), the progress file keeps %q, %v; want en as before", kept, err)
	}
	if _, err := (&Common{Factory: f}).Lang(); err != nil {
		t.Fatal(err)
	}
	if got := HelpLang(&factory.Factory{}); got != "ko" {
		t.Errorf("HelpLang() after a command with --lang ko = %q, want ko as remembered", got)
	}
	if got := HelpLang(&factory.Factory{Lang: "fr"}); got != "en" {
		t.Errorf("HelpLang(--lang fr) = %q, want en", got)
	}
}
