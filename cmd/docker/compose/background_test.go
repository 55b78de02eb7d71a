package compose

import (
	"os"
	"path/filepath"
	"testing"
)

// make learn builds Compose in the background; docker compose reads the
// build's log to say whether to wait, retry or build it by hand.
func TestBackgroundBuild(t *testing.T) {
	saved := buildLog
	t.Cleanup(func() { buildLog = saved })
	buildLog = filepath.Join(t.TempDir(), "compose.log")
	if got := backgroundBuild(); got != "" {
		t.Errorf("no log: backgroundBuild() = %q, want none", got)
	}
	for log, want := range map[string]string{
		"go: downloading github.com/docker/compose/v5 v5.6.0\n": "running",
		"":                          "running",
		"go: downloading x\ndone\n": "done",
		"compile: signal: killed\nmake: *** [compose] Error 1\nfailed\n": "failed",
	} {
		if err := os.WriteFile(buildLog, []byte(log), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := backgroundBuild(); got != want {
			t.Errorf("log %q: backgroundBuild() = %q, want %q", log, got, want)
		}
	}
}
