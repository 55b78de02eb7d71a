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
	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// PsOptions are `docker ps` flags.
type PsOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Now     func() time.Time

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
	opts := &PsOptions{IO: f.IOStreams, Factory: f, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "ps [OPTIONS]",
		Short: "List containers",
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, flt := range opts.Filters {
				k, _, ok := strings.Cut(flt, "=")
				if !ok || (k != "status" && k != "name" && k != "id" && k != "ancestor" && k != "health" && k != "label") {
					return &factory.StatusError{Code: 1, Message: fmt.Sprintf("Error response from daemon: invalid filter '%s' (use status=, name=, id=, ancestor=, label= or health=)", flt)}
				}
				if v, _ := strings.CutPrefix(flt, "health="); k == "health" && v != "starting" && v != "healthy" && v != "unhealthy" && v != "none" {
					return &factory.StatusError{Code: 1, Message: fmt.Sprintf("Error response from daemon: invalid value for health (%s): must be one of none, starting, healthy, unhealthy", v)}
				}
			}
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
	fl.StringArrayVarP(&opts.Filters, "filter", "f", nil, "Filter output based on conditions provided (status=, name=, id=, ancestor=, label=, health=)")
	return cmd
}

func psRun(ctx context.Context, opts *PsOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	all, err := e.Containers.List()
	if err != nil {
		return err
	}
	// One unreadable record must not hide the others: it is named, with
	// how to remove it, and the listing goes on.
	damaged, err := e.Containers.Damaged()
	if err != nil {
		return err
	}
	for _, d := range damaged {
		fmt.Fprintf(opts.IO.ErrOut, "WARNING: %s\n", d.Error())
	}
	e.WithLivePorts(all)
	list := filterContainers(all, opts)
	if opts.Format != "" && !opts.Quiet {
		if err := writePsFormat(opts.IO.Out, opts.Format, list, opts.Now(), opts.NoTrunc); err != nil {
			return &factory.FlagError{Err: err}
		}
		return nil
	}
	return writePs(opts.IO.Out, list, opts, opts.Now())
}

// filterContainers applies -a, -l, -n and --filter; list is newest first.
func filterContainers(list []*container.Container, opts *PsOptions) []*container.Container {
	showAll := opts.All || opts.Latest || opts.Last > 0
	for _, f := range opts.Filters {
		if strings.HasPrefix(f, "status=") {
			showAll = true
		}
	}
	var out []*container.Container
	for _, c := range list {
		if !showAll && c.State.Status != container.Running && c.State.Status != container.Restarting {
			continue
		}
		if !matchFilters(c, opts.Filters) {
			continue
		}
		out = append(out, c)
	}
	n := opts.Last
	if opts.Latest {
		n = 1
	}
	if n >= 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

// matchFilters: filters of one key are alternatives, different keys must
// all match, as in Docker.
func matchFilters(c *container.Container, filters []string) bool {
	byKey := map[string][]string{}
	for _, f := range filters {
		k, v, _ := strings.Cut(f, "=")
		byKey[k] = append(byKey[k], v)
	}
	for k, values := range byKey {
		ok := false
		for _, v := range values {
			switch k {
			case "status":
				ok = ok || string(c.State.Status) == v
			case "name":
				ok = ok || strings.Contains(c.Name, strings.TrimPrefix(v, "/"))
			case "id":
				ok = ok || strings.HasPrefix(c.ID, v)
			case "health":
				ok = ok || engine.HealthStatus(c) == v
			case "label":
				lk, lv, hasValue := strings.Cut(v, "=")
				cv, has := c.Spec.Config.Labels[lk]
				ok = ok || has && (!hasValue || cv == lv)
			case "ancestor":
				ok = ok || c.Spec.Image == v || strings.HasPrefix(strings.TrimPrefix(c.Spec.ImageID, "sha256:"), strings.TrimPrefix(v, "sha256:"))
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func writePs(w io.Writer, list []*container.Container, opts *PsOptions, now time.Time) error {
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", id, c.Spec.Image, strconv.Quote(command),
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
func Status(c *container.Container, now time.Time) string { return engine.ContainerStatus(c, now) }

// Ports is the PORTS column: "0.0.0.0:8080->80/tcp" and exposed ports
// alone, for a running container only. As Docker, a container that is not
// running, or that uses the host's network, shows none (inspect's
// HostConfig.PortBindings keeps them).
func Ports(c *container.Container) string {
	if c.State.Status != container.Running || c.Spec.Host.NetworkMode == "host" {
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
