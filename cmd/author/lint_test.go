package author

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

// writeEnglishOnly writes a lesson folder hello with no Korean file and
// returns the folder of lessons holding it.
func writeEnglishOnly(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "hello")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	en := "---\nid: hello\ntitle: Hello\nsummary: Say hello.\norder: 5\nminutes: 1\n---\n\n## Say it {#say}\n\nRun it.\n\n" +
		"```hint\nLook at docker run.\n```\n\n```check\ncontainer: hi\n```\n\n```solution\ndocker run --name hi busybox\n```\n"
	if err := os.WriteFile(filepath.Join(dir, "lesson.en.md"), []byte(en), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(dir)
}

// TestTestRefusesLintErrors: author test of a lesson folder that does not
// lint (here its Korean file is missing) runs nothing and says why, with
// the file, where its steps used to run and pass.
func TestTestRefusesLintErrors(t *testing.T) {
	folder := writeEnglishOnly(t)
	_, err := loadSteps([]string{filepath.Join(folder, "hello")}, "en")
	want := filepath.Join(folder, "hello", "lesson.ko.md") + ":1: missing: every lesson is written in en and ko\n1 lint error: fix the lesson first"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("loadSteps(no Korean file) = %v, want an error starting %q", err, want)
	}
}

// TestLintSummary lints a folder of one lesson whose Korean file is
// missing: the problem names the file, the summary counts in English
// singulars, and the exit status is 1.
func TestLintSummary(t *testing.T) {
	folder := writeEnglishOnly(t)
	dir := filepath.Join(folder, "hello")
	ios, _, out, errOut := iostreams.Test()
	err := lintRun(&LintOptions{IO: &factory.Factory{IOStreams: ios}, Path: folder})
	var st *factory.StatusError
	if !errors.As(err, &st) || st.Code != 1 {
		t.Errorf("lintRun(no Korean file) = %v, want exit 1", err)
	}
	if want := filepath.Join(dir, "lesson.ko.md") + ":1: missing: every lesson is written in en and ko\n"; out.String() != want {
		t.Errorf("lint output = %q, want %q", out.String(), want)
	}
	if got := errOut.String(); got != "1 lesson, 1 error, 0 warnings\n" {
		t.Errorf("lint summary = %q, want %q", got, "1 lesson, 1 error, 0 warnings\n")
	}
	if strings.Count(out.String(), "\n") != 1 {
		t.Errorf("lint printed %q, want one problem", out.String())
	}
}

// TestBuiltinCourseLintsClean: the built-in course passes author lint
// --strict, warnings included, so that a check a new lesson adds without
// a hint (or any other warning) is caught here and not by a student.
func TestBuiltinCourseLintsClean(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	if err := lintRun(&LintOptions{IO: &factory.Factory{IOStreams: ios}, Strict: true}); err != nil {
		t.Errorf("lintRun(built-in, --strict) = %v, want nil:\n%s%s", err, out, errOut)
	}
	if !strings.HasSuffix(errOut.String(), " lessons, 0 errors, 0 warnings\n") {
		t.Errorf("lint summary = %q, want no errors and no warnings", errOut.String())
	}
}
