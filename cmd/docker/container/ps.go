package container

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// Lister is what docker ps asks of the engine (*engine.Engine, or a fake
// in tests).
type Lister interface {
	ListContainers(ctx context.Context, o engine.ListOptions) ([]*engine.Container, error)
	DamagedContainers() ([]error, error)
}

// PsOptions are `docker ps` flags.
type PsOptions struct {
	IO     *iostreams.IOStreams
	Engine func(context.Context) (Lister, error)
	Now    func() time.Time

	All     bool
	Latest  bool
	Last    int
	Quiet   bool
	NoTrunc bool
	Filters []string
	Format  string
}

// NewCmdPs returns `docker ps`.
func NewCmdPs(f *factory.Factory, runF func(*PsOptions) error) *cobra.Command {
	opts := &PsOptions{IO: f.IOStreams, Now: time.Now, Engine: factory.EngineAs(f, func(e *engine.Engine) Lister { return e })}
	cmd := &cobra.Command{
		Use:   "ps [OPTIONS]",
		Short: "List containers",
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return psRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&opts.All, "all", "a", false, "Show all containers (default shows just running)")
	fl.BoolVarP(&opts.Latest, "latest", "l", false, "Show the latest created container (includes all states)")
	fl.IntVarP(&opts.Last, "last", "n", -1, "Show n last created containers (includes all states)")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "Only display container IDs")
	fl.BoolVar(&opts.NoTrunc, "no-trunc", false, "Don't truncate output")
	fl.StringVar(&opts.Format, "format", "", "Format output using a Go template ('{{.Names}}', 'table {{.ID}}\\t{{.Status}}')")
	fl.StringArrayVarP(&opts.Filters, "filter", "f", nil, "Filter output based on conditions provided")
	return cmd
}

func psRun(ctx context.Context, opts *PsOptions) error {
	filters, err := engine.ParseFilters(opts.Filters)
	if err != nil {
		return &factory.FlagError{Err: err}
	}
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	limit := opts.Last
	if opts.Latest {
		limit = 1
	}
	list, err := e.ListContainers(ctx, engine.ListOptions{All: opts.All, Limit: limit, Filters: filters})
	if err != nil {
		return cli.EngineError(err)
	}
	// One unreadable record must not hide the others: it is named, with
	// how to remove it, and the listing goes on.
	damaged, err := e.DamagedContainers()
	if err != nil {
		return err
	}
	for _, d := range damaged {
		fmt.Fprintf(opts.IO.ErrOut, "WARNING: %s\n", d.Error())
	}
	if opts.Format != "" && !opts.Quiet {
		if err := writePsFormat(opts.IO.Out, opts.Format, list, opts.Now(), opts.NoTrunc); err != nil {
			// Docker's CLI: one line and status 1, no usage.
			return &factory.StatusError{Code: 1, Message: err.Error()}
		}
		return nil
	}
	return writePs(opts.IO.Out, list, opts, opts.Now())
}

func writePs(w io.Writer, list []*engine.Container, opts *PsOptions, now time.Time) error {
	if opts.Quiet {
		for _, c := range list {
			id := c.ShortID()
			if opts.NoTrunc {
				id = c.ID
			}
			fmt.Fprintln(w, id)
		}
		return nil
	}
	tw := tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
	fmt.Fprintln(tw, "CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES")
	for _, c := range list {
		id := c.ShortID()
		if opts.NoTrunc {
			id = c.ID
		}
		command := commandLine(c.Spec.Config.Args())
		if !opts.NoTrunc {
			command = ellipsis(command, 20)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id, psImage(c, opts.NoTrunc), strconv.Quote(command),
			units.HumanDuration(now.Sub(c.Created))+" ago", Status(c, now), Ports(c), c.Name)
	}
	return tw.Flush()
}

func ellipsis(s string, max int) string {
	r := []rune(s)
	if len(r) <= max {
		return s
	}
	return string(r[:max-1]) + "…"
}

// Status is the STATUS column: "Up 3 seconds", "Exited (0) 5 seconds ago",
// "Created", "Restarting (1) 2 seconds ago".
func Status(c *engine.Container, now time.Time) string { return engine.ContainerStatus(c, now) }

// Ports is the PORTS column: "0.0.0.0:8080->80/tcp" and exposed ports
// alone, for a running container only. As Docker, a container that is not
// running, or that uses the host's network, shows none (inspect's
// HostConfig.PortBindings keeps them).
func Ports(c *engine.Container) string {
	if c.State.Status != engine.Running || c.Spec.Host.NetworkMode == "host" {
		return "" // host networking publishes nothing
	}
	var out []string
	seen := map[string]bool{}
	keys := make([]string, 0, len(c.Spec.Host.PortBindings))
	for k := range c.Spec.Host.PortBindings {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, port := range keys {
		seen[port] = true
		for _, b := range c.Spec.Host.PortBindings[port] {
			ip := b.HostIP
			if ip == "" {
				ip = "0.0.0.0"
			}
			out = append(out, fmt.Sprintf("%s:%s->%s", ip, b.HostPort, port))
		}
	}
	for _, p := range c.Spec.Config.ExposedPorts {
		if !seen[p] {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}

// commandLine is the COMMAND column before quoting: arguments holding a
// space are single-quoted, as Docker's daemon does.
func commandLine(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.Contains(a, " ") {
			a = "'" + a + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}
