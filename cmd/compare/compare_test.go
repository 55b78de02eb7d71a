package compare

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

func TestMain(m *testing.M) {
	// The container side starts containers, which re-execute this binary as
	// their monitor and init.
	engine.Reexec()
	os.Exit(m.Run())
}

// fakeSide answers with fixed runs, so the report and table are tested
// without booting anything.
type fakeSide struct {
	name       string
	prepareErr error
	runs       []time.Duration
	output     string
	memory     int64
	i          int
}

func (f *fakeSide) Name() string { return f.name }
func (f *fakeSide) Prepare(context.Context) (Info, error) {
	return Info{Disk: Disk{Bytes: 2 << 20, What: "image busybox"}, MemoryWhat: "cgroup peak"}, f.prepareErr
}
func (f *fakeSide) Run(_ context.Context, out *firstByte) (Run, error) {
	out.Write([]byte(f.output))
	d := f.runs[f.i%len(f.runs)]
	f.i++
	return Run{Wall: d, HostMemory: f.memory}, nil
}
func (f *fakeSide) Details() string { return "fake" }

func TestCompareTableHasEveryRow(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	opts := &Options{IO: ios, Root: t.TempDir(), Runs: 3, Sides: []Side{
		&fakeSide{name: "container", runs: []time.Duration{30 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond}, output: "6.18.44-host\nMemTotal: 24 GB\n", memory: 1 << 20},
		&fakeSide{name: "vm", runs: []time.Duration{3 * time.Second}, output: "6.1.0-56-cloud-amd64\nMemTotal: 92 MB\n", memory: 200 << 20},
	}}
	if err := compareRun(context.Background(), opts); err != nil {
		t.Fatalf("compareRun() = %v", err)
	}
	table := out.String()
	for _, want := range append(rowNames, "CONTAINER", "VM", "20ms (10ms-30ms)", "3s", "6.1.0-56-cloud-amd64", "6.18.44-host", "1.0 MiB", "200.0 MiB", "container memory: cgroup peak", "vm memory:        cgroup peak") {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	if !strings.Contains(errOut.String(), "compare: vm: run 3 of 3...") {
		t.Errorf("stderr = %q, want a progress line per run", errOut)
	}
}

func TestCompareReportsASideThatCannotRun(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	opts := &Options{IO: ios, Root: t.TempDir(), Runs: 1, JSON: true, Sides: []Side{
		&fakeSide{name: "container", prepareErr: errors.New("container engine not available: dockyard needs root")},
		&fakeSide{name: "vm", runs: []time.Duration{time.Second}, output: "6.1.0-56-cloud-amd64\n"},
	}}
	err := compareRun(context.Background(), opts)
	var st *factory.StatusError
	if !errors.As(err, &st) || st.Code != 1 || !strings.Contains(st.Message, "container side") {
		t.Errorf("compareRun() = %v, want exit 1 naming the container side", err)
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	if len(rep.Sides) != 2 || rep.Sides[0].Error == "" || rep.Sides[1].Error != "" || rep.Sides[1].KernelInside != "6.1.0-56-cloud-amd64" {
		t.Errorf("report sides = %+v, want the container's error and the vm's numbers", rep.Sides)
	}
}

func TestCompareTableShowsTheError(t *testing.T) {
	var b strings.Builder
	writeTable(&b, Report{Workload: "w", Runs: 1, HostKernel: "host", Sides: []SideReport{
		{Name: "container", Error: "container engine not available: dockyard needs root"},
	}})
	if !strings.Contains(b.String(), "container: error: container engine not available") {
		t.Errorf("table lacks the container's error:\n%s", b.String())
	}
	for _, line := range strings.Split(b.String(), "\n") {
		for _, row := range rowNames[:5] {
			if strings.HasPrefix(line, row) && strings.Fields(line)[len(strings.Fields(line))-1] != "-" {
				t.Errorf("row %q = %q, want \"-\" for a side that could not run", row, line)
			}
		}
	}
}

func TestCompareFlags(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
		want    Options
	}{
		{args: nil, want: Options{Runs: 3, Image: "busybox", Accel: "auto", Timeout: 2 * time.Minute}},
		{args: []string{"--runs", "5", "--json", "--accel", "tcg"}, want: Options{Runs: 5, JSON: true, Image: "busybox", Accel: "tcg", Timeout: 2 * time.Minute}},
		{args: []string{"--runs", "0"}, wantErr: "invalid --runs 0"},
		{args: []string{"--accel", "hvf"}, wantErr: `unknown accelerator "hvf"`},
	}
	for _, tt := range tests {
		ios, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdCompare(&factory.Factory{IOStreams: ios, Root: "/r"}, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		err := cmd.Execute()
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("compare %q: err = %v, want %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("compare %q: %v", tt.args, err)
		}
		if got.Runs != tt.want.Runs || got.JSON != tt.want.JSON || got.Image != tt.want.Image || got.Accel != tt.want.Accel || got.Timeout != tt.want.Timeout || got.Root != "/r" {
			t.Errorf("compare %q: options = %+v, want %+v", tt.args, got, tt.want)
		}
	}
}

// TestCompareTableFitsTheScreen prints a table as the vm-vs-container
// lesson shows it, with the spread of three runs and the real sizes' notes:
// every line fits the 80-column screen (the memory and disk rows ran to 96
// columns and the terminal broke them mid-word).
func TestCompareTableFitsTheScreen(t *testing.T) {
	var b strings.Builder
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	writeTable(&b, Report{Workload: "sh -c 'uname -r; head -1 /proc/meminfo'", Runs: 3, HostKernel: "6.18.44-fc-v1272", Sides: []SideReport{
		{Name: "container", FirstOutput: Stat{Median: ms(525), Min: ms(510), Max: ms(1540)}, Wall: Stat{Median: ms(571), Min: ms(560), Max: ms(1580)},
			HostMemory: 4 << 20, MemoryWhat: "container cgroup peak", Disk: Disk{Bytes: 2 << 20, What: "image busybox, unpacked"}, KernelInside: "6.18.44-fc-v1272"},
		{Name: "vm", FirstOutput: Stat{Median: ms(6810), Min: ms(6500), Max: ms(10060)}, Wall: Stat{Median: ms(6910), Min: ms(6600), Max: ms(10080)},
			HostMemory: 216 << 20, MemoryWhat: "qemu peak RSS", Disk: Disk{Bytes: 15 << 20, What: "kernel 13.5 MiB + initramfs 1.0 MiB"},
			KernelInside: "6.1.0-57-cloud-amd64", Details: "accelerator tcg: KVM is not available (no such file or directory)"},
	}})
	for _, line := range strings.Split(b.String(), "\n") {
		if n := utf8.RuneCountInString(line); n > 80 {
			t.Errorf("line is %d columns, want at most 80:\n%s", n, line)
		}
	}
	for _, want := range []string{"qemu peak RSS", "kernel 13.5 MiB + initramfs 1.0 MiB", "container cgroup peak"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
	if !regexp.MustCompile(`(?m)^kernel inside +6\.18\.44-fc-v1272 +6\.1\.0-57-cloud-amd64$`).MatchString(b.String()) {
		t.Errorf("the kernel inside row is not one line whose last field is the VM's kernel (the lesson's awk reads it):\n%s", b.String())
	}
}
