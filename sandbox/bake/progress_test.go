package bake

import (
	"os"
	"strings"
	"testing"
	"time"
)

// A build's plain output moves its image through install (steps, apt's
// packages) to export; the raw lines land in the image's log, and the
// status file tells other processes.
func TestTrackerFollowsABuild(t *testing.T) {
	var seen []Progress
	b := &Baker{WorkDir: t.TempDir(), Progress: func(p Progress) {
		if p.Name == "app" {
			seen = append(seen, p)
		}
	}}
	tr := newTracker(b, []string{"base", "app"})
	it := tr.image("app")
	it.set(PhaseInstall, 0)
	lines := []string{
		"#1 [internal] load build definition from Dockerfile",
		"#3 [2/3] RUN apt-get update && apt-get install -y nginx-light",
		"#3 3.100 0 upgraded, 2 newly installed, 0 to remove and 0 not upgraded.",
		"#3 3.200 Get:1 http://deb.debian.org/debian bookworm/main amd64 a 1.0 [10 kB]",
		"#3 3.300 Get:2 http://deb.debian.org/debian bookworm/main amd64 b 1.0 [10 kB]",
		"#3 3.400 Unpacking a (1.0) ...",
	}
	for _, l := range lines {
		it.Write([]byte(l + "\n"))
	}
	last := seen[len(seen)-1]
	// Step 2 of 3, half of apt's 2x3 package lines: 0.9*(1+0.5)/3.
	if last.Phase != PhaseInstall || last.Frac < 0.44 || last.Frac > 0.46 {
		t.Errorf("after half of apt's lines progress = %+v, want install at 0.45", last)
	}
	it.Write([]byte("#6 exporting to image\n"))
	if p := seen[len(seen)-1]; p.Phase != PhaseExport || p.Frac != 0.9 {
		t.Errorf("while exporting progress = %+v, want export at 0.9", p)
	}
	st, running := ReadStatus(b.WorkDir)
	if !running || st == nil || !strings.Contains(st.Summary(), "app 90% (export)") || !strings.Contains(st.Summary(), "base (waiting)") {
		t.Errorf("status = %+v (running %v), want app at 90%% and base waiting", st, running)
	}
	it.finish(PhaseDone)
	tr.image("base").finish(PhaseUpToDate)
	if st, running := ReadStatus(b.WorkDir); running || st.Summary() != "" {
		t.Errorf("after the bake status = %q (running %v), want nothing running", st.Summary(), running)
	}
	log, err := os.ReadFile(it.p.Log)
	if err != nil || !strings.Contains(string(log), "Unpacking a (1.0)") {
		t.Errorf("log %s = %q, %v; want the raw lines", it.p.Log, log, err)
	}
}

func TestProgressLeft(t *testing.T) {
	p := Progress{Phase: PhaseInstall, Frac: 0.25, Elapsed: 10 * time.Second}
	if got := p.Left(); got != 30*time.Second {
		t.Errorf("Left of 25%% after 10s = %v, want 30s", got)
	}
	p.Frac = 0.01
	if got := p.Left(); got != 0 {
		t.Errorf("Left of 1%% = %v, want 0 (too early to say)", got)
	}
}

func TestLineProgressOneLineAPhase(t *testing.T) {
	var out strings.Builder
	f := LineProgress(&out)
	for _, p := range []Progress{
		{Name: "nginx", Phase: PhaseWaiting},
		{Name: "nginx", Phase: PhaseInstall, Frac: 0.1},
		{Name: "nginx", Phase: PhaseInstall, Frac: 0.2},
		{Name: "nginx", Phase: PhaseInstall, Frac: 0.3},
		{Name: "nginx", Phase: PhaseExport, Frac: 0.9},
		{Name: "nginx", Phase: PhaseDone, Frac: 1, Elapsed: 9500 * time.Millisecond},
	} {
		f(p)
	}
	want := "nginx: install 0%\nnginx: install 25%\nnginx: export 75%\nnginx: baked in 9.5s\n"
	if out.String() != want {
		t.Errorf("LineProgress wrote\n%s\nwant\n%s", out.String(), want)
	}
}
