package author

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/checker/checkertest"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

func TestTestFlags(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &factory.Factory{IOStreams: ios, Lang: "ko"}
	var got *TestOptions
	cmd := NewCmdTest(f, func(o *TestOptions) error { got = o; return nil })
	cmd.SetArgs([]string{"containers", "./x", "--engine", "unix:///run/podman/podman.sock", "--script-timeout", "30s"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Lessons, ",") != "containers,./x" || got.Engine != "unix:///run/podman/podman.sock" ||
		got.ScriptTimeout.String() != "30s" || got.Lang != "ko" {
		t.Errorf("options = %+v", got)
	}
}

func TestTestUnknownLesson(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	err := testRun(context.Background(), &TestOptions{IO: &factory.Factory{IOStreams: ios}, Lessons: []string{"no-such-lesson"}})
	if err == nil || !strings.Contains(err.Error(), `no lesson "no-such-lesson": give a built-in lesson (`) {
		t.Errorf("testRun(no-such-lesson) = %v", err)
	}
}

// TestTestAgainstPodman runs a two-step lesson whose second step leaves a
// container behind: the table shows it and the command exits 1.
func TestTestAgainstPodman(t *testing.T) {
	p := checkertest.StartPodman(t)
	ios, _, out, errOut := iostreams.Test()
	err := testRun(context.Background(), &TestOptions{
		IO: &factory.Factory{IOStreams: ios}, Lessons: []string{"testdata/reftest/demo"}, Lang: "en",
		Engine: p.Host, DockerDir: p.DockerShim(t), ExtraEnv: p.Env(),
	})
	var st *factory.StatusError
	if !errors.As(err, &st) || st.Code != 1 || st.Message != "1 of 2 steps failed" {
		t.Errorf("testRun() error = %v, want exit 1 with 1 of 2 steps failed", err)
	}
	got := regexp.MustCompile(`\d+\.\ds`).ReplaceAllString(out.String(), "T")
	want := `LESSON  STEP       BEFORE  AFTER  CLEANUP  TIME
demo    web        ok      ok     ok       T
demo    forgotten  ok      ok     FAIL     T

demo/forgotten:
  cleanup: the engine is not back to its state before the step: left behind: container demo-forgotten
`
	if got != want {
		t.Errorf("output:\n%s\nwant:\n%s\nstderr: %s", got, want, errOut)
	}
}

func TestTestBadEngine(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	err := testRun(context.Background(), &TestOptions{IO: &factory.Factory{IOStreams: ios},
		Lessons: []string{"testdata/reftest/demo"}, Engine: "podman"})
	want := `unknown engine "podman": use "dockyard" or a Docker Engine API address such as unix:///run/podman/podman.sock`
	if err == nil || err.Error() != want {
		t.Errorf("testRun(--engine podman) = %v, want %q", err, want)
	}
}
