package compare

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// Workload is what both sides run: the kernel's release and the memory the
// sandbox believes it has.
var Workload = []string{"sh", "-c", "uname -r; head -1 /proc/meminfo"}

// Side is one sandbox being compared: a container or a VM.
type Side interface {
	// Name is the table's column heading ("container", "vm").
	Name() string
	// Prepare makes the side ready to run (an image present, a kernel
	// found) and says what it stores on disk and how it measures memory.
	Prepare(ctx context.Context) (Info, error)
	// Run runs the workload once, writing its output to out, which notes
	// the time of the first output; Wall is out.Since() when the sandbox's
	// process has ended (before any clean-up).
	Run(ctx context.Context, out *firstByte) (Run, error)
	// Details describes how the side ran, e.g. "accelerator tcg".
	Details() string
}

// Info is what a side says about itself before it runs.
type Info struct {
	Disk Disk
	// MemoryWhat names what HostMemory measures, e.g. "qemu peak RSS".
	MemoryWhat string
}

// peakMemory is implemented by sides whose timed runs cannot see their
// memory (a container's cgroup is gone once it exits): one more run, held
// open at its end, measures it.
type peakMemory interface {
	PeakMemory(ctx context.Context) (int64, error)
}

// Disk is what a side keeps on disk to be able to run.
type Disk struct {
	Bytes int64  `json:"bytes"`
	What  string `json:"what"`
}

// Run is one measured run.
type Run struct {
	FirstOutput time.Duration `json:"first_output_ns"`
	Wall        time.Duration `json:"wall_ns"`
	// HostMemory is the peak memory the host spent on the sandbox: qemu's
	// RSS, or the container's cgroup usage. 0 when not measured in this run.
	HostMemory int64  `json:"host_memory_bytes,omitempty"`
	Output     string `json:"output"`
	ExitCode   int    `json:"exit_code"`
}

// firstByte records when the first byte passes through it.
type firstByte struct {
	w     io.Writer
	start time.Time
	mu    sync.Mutex
	first time.Duration
	buf   strings.Builder
}

func newFirstByte(w io.Writer) *firstByte { return &firstByte{w: w, start: time.Now()} }

func (f *firstByte) Write(p []byte) (int, error) {
	f.mu.Lock()
	if f.first == 0 && len(p) > 0 {
		f.first = time.Since(f.start)
	}
	f.buf.Write(p)
	f.mu.Unlock()
	if f.w != nil {
		return f.w.Write(p)
	}
	return len(p), nil
}

// First returns the time from start to the first byte (0 if none came).
func (f *firstByte) First() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.first
}

// Since returns the time since start: a run's wall time when called as it ends.
func (f *firstByte) Since() time.Duration { return time.Since(f.start) }

// String returns everything written so far.
func (f *firstByte) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.buf.String()
}

// Stat summarises one quantity over the runs.
type Stat struct {
	Median time.Duration `json:"median_ns"`
	Min    time.Duration `json:"min_ns"`
	Max    time.Duration `json:"max_ns"`
}

func durationStat(runs []Run, get func(Run) time.Duration) Stat {
	if len(runs) == 0 {
		return Stat{}
	}
	v := make([]time.Duration, len(runs))
	for i, r := range runs {
		v[i] = get(r)
	}
	sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
	return Stat{Median: v[len(v)/2], Min: v[0], Max: v[len(v)-1]}
}

// SideReport is one column of the comparison.
type SideReport struct {
	Name string `json:"name"`
	// Error says why this side could not be measured; the other fields are
	// then empty.
	Error        string `json:"error,omitempty"`
	Details      string `json:"details,omitempty"`
	Runs         []Run  `json:"runs,omitempty"`
	FirstOutput  Stat   `json:"first_output"`
	Wall         Stat   `json:"wall"`
	HostMemory   int64  `json:"host_memory_bytes"`
	MemoryWhat   string `json:"host_memory_what"`
	Disk         Disk   `json:"disk"`
	KernelInside string `json:"kernel_inside"`
}

// Report is the whole comparison.
type Report struct {
	Workload   string       `json:"workload"`
	Runs       int          `json:"runs"`
	HostKernel string       `json:"host_kernel"`
	Sides      []SideReport `json:"sides"`
}

// measure runs the workload n times on one side. A side that cannot be
// prepared or fails a run gets an Error instead of numbers: the other side
// is still measured.
func measure(ctx context.Context, s Side, n int, progress func(string)) SideReport {
	rep := SideReport{Name: s.Name()}
	progress(fmt.Sprintf("%s: preparing", s.Name()))
	info, err := s.Prepare(ctx)
	if err != nil {
		rep.Error = err.Error()
		return rep
	}
	rep.Disk, rep.MemoryWhat = info.Disk, info.MemoryWhat
	for i := range n {
		progress(fmt.Sprintf("%s: run %d of %d", s.Name(), i+1, n))
		out := newFirstByte(nil)
		r, err := s.Run(ctx, out)
		if err != nil {
			rep.Error = fmt.Sprintf("run %d: %v", i+1, err)
			rep.Runs = nil
			return rep
		}
		r.FirstOutput, r.Output = out.First(), out.String()
		if r.ExitCode != 0 {
			rep.Error = fmt.Sprintf("run %d: the workload exited with %d: %s", i+1, r.ExitCode, strings.TrimSpace(r.Output))
			rep.Runs = nil
			return rep
		}
		rep.Runs = append(rep.Runs, r)
		if r.HostMemory > rep.HostMemory {
			rep.HostMemory = r.HostMemory
		}
	}
	if pm, ok := s.(peakMemory); ok {
		progress(fmt.Sprintf("%s: measuring memory", s.Name()))
		m, err := pm.PeakMemory(ctx)
		if err != nil {
			rep.Error = fmt.Sprintf("measure memory: %v", err)
			rep.Runs = nil
			return rep
		}
		rep.HostMemory = m
	}
	rep.Details = s.Details()
	rep.FirstOutput = durationStat(rep.Runs, func(r Run) time.Duration { return r.FirstOutput })
	rep.Wall = durationStat(rep.Runs, func(r Run) time.Duration { return r.Wall })
	if len(rep.Runs) > 0 {
		rep.KernelInside, _, _ = strings.Cut(strings.TrimSpace(rep.Runs[0].Output), "\n")
	}
	return rep
}
