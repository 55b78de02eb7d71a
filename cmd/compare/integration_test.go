package compare

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/engine/enginetest"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
	"github.com/dockyard-lab/dockyard/sandbox/vm"
)

// TestIntegrationCompare runs the real comparison once on each side: a
// busybox container through Dockyard's engine and a VM under TCG (one
// boot, 2-5 s on CI).
func TestIntegrationCompare(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a VM and runs containers; skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI runs as root)")
	}
	ctx := context.Background()
	root := t.TempDir()
	e, err := engine.Open(ctx, engine.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	if err := enginetest.WriteImage(e.Root(), imagetest.Busybox(t), "busybox:latest"); err != nil {
		t.Fatal(err)
	}
	ios, _, out, errOut := iostreams.Test()
	opts := &Options{
		IO: ios, Root: root, Runs: 1, JSON: true, Image: "busybox", Accel: "tcg", Timeout: 2 * time.Minute,
		Engine: func(context.Context) (*engine.Engine, error) { return e, nil },
	}
	if err := compareRun(ctx, opts); err != nil {
		t.Fatalf("compareRun() = %v\nstdout:\n%s\nstderr:\n%s", err, out, errOut)
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	if len(rep.Sides) != 2 {
		t.Fatalf("report has %d sides, want container and vm: %+v", len(rep.Sides), rep)
	}
	k, _ := vm.FindKernel("")
	want := map[string]string{"container": vm.HostKernel(), "vm": k.Release}
	for _, s := range rep.Sides {
		if s.Error != "" {
			t.Errorf("%s: error %s", s.Name, s.Error)
			continue
		}
		if s.KernelInside != want[s.Name] {
			t.Errorf("%s: kernel inside = %q, want %q", s.Name, s.KernelInside, want[s.Name])
		}
		if s.FirstOutput.Median <= 0 || s.Wall.Median < s.FirstOutput.Median || s.HostMemory <= 0 || s.Disk.Bytes <= 0 {
			t.Errorf("%s: first output %s, wall %s, memory %d, disk %d; want all measured", s.Name, s.FirstOutput.Median, s.Wall.Median, s.HostMemory, s.Disk.Bytes)
		}
		if len(s.Runs) != 1 || !strings.Contains(s.Runs[0].Output, "MemTotal:") {
			t.Errorf("%s: runs = %+v, want one with the workload's output", s.Name, s.Runs)
		}
	}

	// The same report as a table: every row, both columns.
	var table strings.Builder
	if err := writeTable(&table, rep); err != nil {
		t.Fatal(err)
	}
	for _, row := range rowNames {
		if !strings.Contains(table.String(), row) {
			t.Errorf("table lacks row %q:\n%s", row, table.String())
		}
	}
	t.Logf("measured here:\n%s", table.String())
}
