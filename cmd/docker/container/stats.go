package container

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// StatsOptions are `docker stats` flags.
type StatsOptions struct {
	IO       *iostreams.IOStreams
	Factory  *factory.Factory
	All      bool
	NoStream bool
	NoTrunc  bool
	Refs     []string
}

// NewCmdStats returns `docker stats`.
func NewCmdStats(f *factory.Factory, runF func(*StatsOptions) error) *cobra.Command {
	opts := &StatsOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "stats [OPTIONS] [CONTAINER...]",
		Short: "Display a live stream of container(s) resource usage statistics",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Refs = args
			if runF != nil {
				return runF(opts)
			}
			return statsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.All, "all", "a", false, "Show all containers (default shows just running)")
	cmd.Flags().BoolVar(&opts.NoStream, "no-stream", false, "Disable streaming stats and only pull the first result")
	cmd.Flags().BoolVar(&opts.NoTrunc, "no-trunc", false, "Do not truncate output")
	return cmd
}

func statsRun(ctx context.Context, opts *StatsOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	for {
		// CPU % needs two readings; Docker's --no-stream also waits for
		// its second one.
		first, list, err := sampleAll(e, opts)
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(500 * time.Millisecond):
		}
		second, _, _ := sampleAll(e, opts)
		if !opts.NoStream {
			fmt.Fprint(opts.IO.Out, "\033[2J\033[H")
		}
		writeStats(opts.IO.Out, list, first, second, opts.NoTrunc)
		if opts.NoStream {
			return nil
		}
	}
}

func sampleAll(e *engine.Engine, opts *StatsOptions) (map[string]*engine.Sample, []*engine.Container, error) {
	var list []*engine.Container
	if len(opts.Refs) > 0 {
		for _, ref := range opts.Refs {
			c, err := e.Container(ref)
			if err != nil {
				return nil, nil, cli.DaemonError(err)
			}
			list = append(list, c)
		}
	} else {
		all, err := e.Containers()
		if err != nil {
			return nil, nil, err
		}
		for _, c := range all {
			if opts.All || c.State.Status == engine.Running {
				list = append(list, c)
			}
		}
	}
	samples := map[string]*engine.Sample{}
	for _, c := range list {
		if s, err := e.ContainerStats(c.ID); err == nil {
			samples[c.ID] = s
		}
	}
	return samples, list, nil
}

func writeStats(w io.Writer, list []*engine.Container, first, second map[string]*engine.Sample, noTrunc bool) {
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER ID\tNAME\tCPU %\tMEM USAGE / LIMIT\tMEM %\tNET I/O\tBLOCK I/O\tPIDS")
	for _, c := range list {
		id := c.ShortID()
		if noTrunc {
			id = c.ID
		}
		a, b := first[c.ID], second[c.ID]
		if b == nil {
			fmt.Fprintf(tw, "%s\t%s\t--\t-- / --\t--\t--\t--\t--\n", id, c.Name)
			continue
		}
		cpu := 0.0
		if a != nil && b.Time.After(a.Time) && b.CPUNanos >= a.CPUNanos {
			cpu = float64(b.CPUNanos-a.CPUNanos) / float64(b.Time.Sub(a.Time).Nanoseconds()) * 100
		}
		mem := 0.0
		if b.MemLimit > 0 {
			mem = float64(b.Memory) / float64(b.MemLimit) * 100
		}
		fmt.Fprintf(tw, "%s\t%s\t%.2f%%\t%s / %s\t%.2f%%\t%s / %s\t%s / %s\t%d\n", id, c.Name, cpu,
			units.BytesSize(float64(b.Memory)), units.BytesSize(float64(b.MemLimit)), mem,
			units.HumanSizeWithPrecision(float64(b.NetRx), 3), units.HumanSizeWithPrecision(float64(b.NetTx), 3),
			units.HumanSizeWithPrecision(float64(b.BlockRead), 3), units.HumanSizeWithPrecision(float64(b.BlockWrite), 3), b.Pids)
	}
	tw.Flush()
}
