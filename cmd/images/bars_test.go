package images

import (
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/bake"
)

func TestLine(t *testing.T) {
	tests := []struct {
		p    bake.Progress
		want string
	}{
		{bake.Progress{Name: "postgres", Phase: bake.PhaseInstall, Frac: 0.42, Elapsed: 75 * time.Second},
			"postgres  install    [########------------]  42%  1:15"},
		{bake.Progress{Name: "nginx", Phase: bake.PhaseWaiting}, "nginx     waiting   "},
		{bake.Progress{Name: "debian", Phase: bake.PhaseDone, Frac: 1, Elapsed: 9 * time.Second},
			"debian    baked      [####################] 100%  0:09"},
	}
	for _, tt := range tests {
		if got := Line(tt.p); got != tt.want {
			t.Errorf("Line(%+v) = %q, want %q", tt.p, got, tt.want)
		}
	}
}

// The bars redraw in place: the cursor goes back up over the lines drawn.
func TestBarsRedrawInPlace(t *testing.T) {
	var out strings.Builder
	b := NewBars(&out)
	b.Update(bake.Progress{Name: "debian", Phase: bake.PhaseBootstrap})
	b.Update(bake.Progress{Name: "busybox", Phase: bake.PhaseWaiting})
	b.Update(bake.Progress{Name: "debian", Phase: bake.PhaseExport, Frac: 0.9})
	if got := strings.Count(out.String(), "\x1b[2A"); got != 1 {
		t.Errorf("bars moved up two lines %d times, want once (the third draw): %q", got, out.String())
	}
}
