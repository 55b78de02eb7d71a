// Package compare is `dockyard compare`: the same tiny workload run in a
// container (Dockyard's engine) and in a VM (sandbox/vm), several times,
// with the numbers that tell them apart side by side: time to first output,
// wall time, host memory, disk size and the kernel each one sees.
package compare

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/kballard/go-shellquote"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/vm"
)

// Options are the parsed flags of `compare`.
type Options struct {
	IO      *iostreams.IOStreams
	Root    string
	Runs    int
	JSON    bool
	Image   string
	Accel   string
	Timeout time.Duration
	// Engine opens Dockyard's container engine.
	Engine func(context.Context) (*engine.Engine, error)
	// Sides replaces the container and VM sides (tests).
	Sides []Side
}

// NewCmdCompare returns `dockyard compare`.
func NewCmdCompare(f *factory.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Engine: f.Engine}
	cmd := &cobra.Command{
		Use:   "compare",
		Short: "Run the same workload in a container and in a VM, and compare",
		Long: `Run "uname -r; head -1 /proc/meminfo" in a new container and in a new VM,
several times each, and show side by side: time to first output, total wall
time, memory used on the host (the container's cgroup, qemu's RSS), disk size
(the image, the kernel and initramfs) and the kernel each one sees.`,
		Example: `  dockyard compare
  dockyard compare --runs 5 --json`,
		Args: cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.Root = f.Root
			if opts.Runs < 1 || opts.Runs > 20 {
				return &factory.FlagError{Err: fmt.Errorf("invalid --runs %d: give 1 to 20", opts.Runs)}
			}
			if _, err := vm.ParseAccel(opts.Accel); err != nil {
				return &factory.FlagError{Err: err}
			}
			if runF != nil {
				return runF(opts)
			}
			return compareRun(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVarP(&opts.Runs, "runs", "n", 3, "runs on each side")
	fl.BoolVar(&opts.JSON, "json", false, "print the report as JSON")
	fl.StringVar(&opts.Image, "image", "busybox", "image the container runs")
	fl.StringVar(&opts.Accel, "accel", "auto", `VM accelerator: "auto", "kvm" or "tcg"`)
	fl.DurationVar(&opts.Timeout, "timeout", 2*time.Minute, "limit for each single run")
	return cmd
}

func compareRun(ctx context.Context, opts *Options) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return fmt.Errorf("state root %s: %w", opts.Root, err)
	}
	sides := opts.Sides
	if sides == nil {
		accel, _ := vm.ParseAccel(opts.Accel)
		sides = []Side{
			&containerSide{open: opts.Engine, ref: opts.Image, timeout: opts.Timeout, log: opts.IO.ErrOut},
			newVMSide(root, accel, opts.Timeout),
		}
	}
	progress := newProgress(opts.IO.ErrOut)
	rep := Report{
		Workload:   shellquote.Join(Workload...),
		Runs:       opts.Runs,
		HostKernel: vm.HostKernel(),
	}
	for _, s := range sides {
		rep.Sides = append(rep.Sides, measure(ctx, s, opts.Runs, progress.show))
		if ctx.Err() != nil {
			progress.done()
			return fmt.Errorf("compare: %w", ctx.Err())
		}
	}
	progress.done()

	if opts.JSON {
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := writeTable(opts.IO.Out, rep); err != nil {
		return err
	}
	var failed []string
	for _, s := range rep.Sides {
		if s.Error != "" {
			failed = append(failed, s.Name)
		}
	}
	if len(failed) > 0 {
		return &factory.StatusError{Code: 1, Message: fmt.Sprintf("compare: the %s side could not be measured (see above)", strings.Join(failed, " and "))}
	}
	return nil
}

// Rows of the table, in order.
var rowNames = []string{
	"time to first output",
	"total wall time",
	"memory used on the host",
	"disk size",
	"kernel inside",
	"host kernel",
}

// writeTable prints the report as a table with one column per side; a side
// that could not be measured shows "-" and its error below the table. What
// each side's memory and disk figures measure is said below the table, so
// that every line fits the 80-column screen the lessons are read on.
func writeTable(w io.Writer, rep Report) error {
	fmt.Fprintf(w, "Workload: %s\n%d run(s) on each side (median, with min-max)\n\n", rep.Workload, rep.Runs)
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	head := []string{""}
	for _, s := range rep.Sides {
		head = append(head, strings.ToUpper(s.Name))
	}
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	for i, name := range rowNames {
		cells := []string{name}
		for _, s := range rep.Sides {
			cells = append(cells, cell(i, s, rep.HostKernel))
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for _, s := range rep.Sides {
		if s.Error == "" {
			fmt.Fprintf(tw, "%s memory:\t%s\n%s disk:\t%s\n", s.Name, s.MemoryWhat, s.Name, s.Disk.What)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range rep.Sides {
		switch {
		case s.Error != "":
			fmt.Fprintf(w, "%s: error: %s\n", s.Name, s.Error)
		case s.Details != "":
			fmt.Fprintf(w, "%s: %s\n", s.Name, s.Details)
		}
	}
	return nil
}

func cell(row int, s SideReport, hostKernel string) string {
	if row == 5 {
		return hostKernel
	}
	if s.Error != "" {
		return "-"
	}
	switch row {
	case 0:
		return stat(s.FirstOutput)
	case 1:
		return stat(s.Wall)
	case 2:
		return mib(s.HostMemory)
	case 3:
		return mib(s.Disk.Bytes)
	case 4:
		return s.KernelInside
	}
	return ""
}

func stat(s Stat) string {
	if s.Min == s.Max {
		return roundDur(s.Median)
	}
	return fmt.Sprintf("%s (%s-%s)", roundDur(s.Median), roundDur(s.Min), roundDur(s.Max))
}

func roundDur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond).String()
	}
	return d.String()
}

// mib prints a size in MiB with one decimal, the unit both columns share.
func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

// progress shows one line on stderr, rewritten in place on a terminal.
type progress struct {
	w   io.Writer
	tty bool
	n   int
}

func newProgress(w io.Writer) *progress {
	f, ok := w.(*os.File)
	return &progress{w: w, tty: ok && term.IsTerminal(int(f.Fd()))}
}

func (p *progress) show(msg string) {
	line := "compare: " + msg + "..."
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.n++
}

func (p *progress) done() {
	if p.tty && p.n > 0 {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
