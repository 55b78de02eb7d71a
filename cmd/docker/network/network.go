// Package network is Docker's network commands on Dockyard's engine:
// `docker network create|ls|inspect|rm|connect|disconnect|prune` and
// `docker port`.
package network

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker/inspect"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// NewCmdNetwork returns `docker network` with its subcommands.
func NewCmdNetwork(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "network",
		Short: "Manage networks",
		Long: `Manage networks: the default "bridge", "host" and "none", and bridges of your
own, on which containers reach each other by name.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdLs(f, nil), NewCmdInspect(f, nil), NewCmdRm(f, nil),
		NewCmdConnect(f, nil), NewCmdDisconnect(f, nil), NewCmdPrune(f, nil), NewCmdReset(f))
	return cmd
}

// open opens the engine and cleans up after crashed monitors first, so
// what the student sees is current.
func open(ctx context.Context, f *factory.Factory) (*engine.Engine, error) {
	e, err := f.Engine(ctx)
	if err != nil {
		return nil, err
	}
	_ = e.ReconcileNetworks(ctx)
	return e, nil
}

// CreateOptions are `docker network create` flags.
type CreateOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory

	Name     string
	Driver   string
	Subnet   string
	Gateway  string
	Internal bool
	Labels   []string
}

// NewCmdCreate returns `docker network create`.
func NewCmdCreate(f *factory.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] NETWORK",
		Short: "Create a network",
		Args:  cli.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Driver, "driver", "d", "bridge", "Driver to manage the Network (bridge; overlay needs a swarm cluster)")
	fl.StringVar(&opts.Subnet, "subnet", "", "Subnet in CIDR format that represents a network segment")
	fl.StringVar(&opts.Gateway, "gateway", "", "IPv4 Gateway for the master subnet")
	fl.BoolVar(&opts.Internal, "internal", false, "Restrict external access to the network")
	fl.StringArrayVar(&opts.Labels, "label", nil, "Set metadata on a network")
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	e, err := open(ctx, opts.Factory)
	if err != nil {
		return err
	}
	labels := map[string]string{}
	for _, l := range opts.Labels {
		k, v, _ := strings.Cut(l, "=")
		labels[k] = v
	}
	if len(labels) == 0 {
		labels = nil
	}
	n, err := e.CreateNetwork(ctx, engine.NetworkCreateOptions{
		Name: opts.Name, Driver: opts.Driver, Subnet: opts.Subnet, Gateway: opts.Gateway,
		Internal: opts.Internal, Labels: labels,
	})
	if err != nil {
		return cli.DaemonError(err)
	}
	fmt.Fprintln(opts.IO.Out, n.ID)
	return nil
}

// Lister is what docker network ls asks of the engine (*engine.Engine,
// or a fake in tests).
type Lister interface {
	ListNetworks(ctx context.Context, f engine.Filters) ([]engine.NetworkInfo, error)
}

// LsOptions are `docker network ls` flags.
type LsOptions struct {
	IO     *iostreams.IOStreams
	Engine func(context.Context) (Lister, error)

	Quiet   bool
	NoTrunc bool
	Filters []string
	Format  string
}

// NewCmdLs returns `docker network ls`.
func NewCmdLs(f *factory.Factory, runF func(*LsOptions) error) *cobra.Command {
	opts := &LsOptions{IO: f.IOStreams, Engine: factory.EngineAs(f, func(e *engine.Engine) Lister { return e })}
	cmd := &cobra.Command{
		Use:     "ls [OPTIONS]",
		Aliases: []string{"list"},
		Short:   "List networks",
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return lsRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "Only display network IDs")
	fl.BoolVar(&opts.NoTrunc, "no-trunc", false, "Do not truncate the output")
	fl.StringArrayVarP(&opts.Filters, "filter", "f", nil, "Provide filter values (name=, driver=, id=, type=custom|builtin)")
	fl.StringVar(&opts.Format, "format", "", "Format output: \"json\", a Go template ('{{.Name}}'), or \"table TEMPLATE\"")
	return cmd
}

func lsRun(ctx context.Context, opts *LsOptions) error {
	filters, err := engine.ParseFilters(opts.Filters)
	if err != nil {
		return &factory.FlagError{Err: err}
	}
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	list, err := e.ListNetworks(ctx, filters)
	if err != nil {
		return cli.EngineError(err)
	}
	return writeLs(opts.IO, list, opts)
}

func writeLs(io *iostreams.IOStreams, list []engine.NetworkInfo, opts *LsOptions) error {
	id := func(n engine.NetworkInfo) string {
		if opts.NoTrunc {
			return n.ID
		}
		return engine.ShortNetworkID(n.ID)
	}
	if opts.Quiet {
		for _, n := range list {
			fmt.Fprintln(io.Out, id(n))
		}
		return nil
	}
	if opts.Format != "" && opts.Format != "table" {
		rows := make([]map[string]string, len(list))
		for i, n := range list {
			rows[i] = map[string]string{
				"ID": id(n), "Name": n.Name, "Driver": n.Driver, "Scope": "local",
				"IPv6": "false", "Internal": strconv.FormatBool(n.Internal), "Labels": labels(n.Labels),
				"CreatedAt": n.Created.Format("2006-01-02 15:04:05.999999999 -0700 MST"),
			}
		}
		return inspect.Rows(io, opts.Format, map[string]string{
			"ID": "NETWORK ID", "Name": "NAME", "Driver": "DRIVER", "Scope": "SCOPE",
			"IPv6": "IPV6", "Internal": "INTERNAL", "Labels": "LABELS", "CreatedAt": "CREATED AT",
		}, rows)
	}
	tw := tabwriter.NewWriter(io.Out, 10, 1, 3, ' ', 0) // docker/cli's table formatter
	fmt.Fprintln(tw, "NETWORK ID\tNAME\tDRIVER\tSCOPE")
	for _, n := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\tlocal\n", id(n), n.Name, n.Driver)
	}
	return tw.Flush()
}

// InspectOptions are `docker network inspect` flags.
type InspectOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Names   []string
	Format  string
}

// NewCmdInspect returns `docker network inspect`.
func NewCmdInspect(f *factory.Factory, runF func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "inspect NETWORK [NETWORK...]",
		Short: "Display detailed information on one or more networks",
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if runF != nil {
				return runF(opts)
			}
			return inspectRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "", "Format output using a Go template ('{{.Name}}', '{{json .IPAM}}')")
	return cmd
}

func inspectRun(ctx context.Context, opts *InspectOptions) error {
	e, err := open(ctx, opts.Factory)
	if err != nil {
		return err
	}
	out := []any{}
	var errs []string
	for _, name := range opts.Names {
		in, err := e.InspectNetwork(ctx, name)
		if err != nil {
			errs = append(errs, cli.DaemonError(err).Error())
			continue
		}
		out = append(out, in)
	}
	if err := inspect.Print(opts.IO, opts.Format, out, nil); err != nil {
		return err
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// Remover is what docker network rm asks of the engine.
type Remover interface {
	RemoveNetwork(ctx context.Context, ref string) error
}

// RmOptions are `docker network rm` flags.
type RmOptions struct {
	IO     *iostreams.IOStreams
	Engine func(context.Context) (Remover, error)
	Names  []string
	Force  bool
}

// NewCmdRm returns `docker network rm`.
func NewCmdRm(f *factory.Factory, runF func(*RmOptions) error) *cobra.Command {
	opts := &RmOptions{IO: f.IOStreams, Engine: factory.EngineAs(f, func(e *engine.Engine) Remover { return e })}
	cmd := &cobra.Command{
		Use:     "rm NETWORK [NETWORK...]",
		Aliases: []string{"remove"},
		Short:   "Remove one or more networks",
		Args:    cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if runF != nil {
				return runF(opts)
			}
			return rmRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "Do not error if the network does not exist")
	return cmd
}

func rmRun(ctx context.Context, opts *RmOptions) error {
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	var skip func(error) bool
	if opts.Force {
		skip = func(err error) bool { return engine.KindOf(err) == engine.NotFound }
	}
	err = cli.ForEach(opts.IO, opts.Names, skip, func(name string) error {
		return e.RemoveNetwork(ctx, name)
	})
	var se *factory.StatusError
	if errors.As(err, &se) && se.Message == "" {
		// Docker 28's network rm ends a failure with this line of its own
		// (cli/command/network/remove.go).
		se.Message = "exit status " + strconv.Itoa(se.Code)
	}
	return err
}

// ConnectOptions are `docker network connect` flags.
type ConnectOptions struct {
	IO        *iostreams.IOStreams
	Factory   *factory.Factory
	Network   string
	Container string
	Aliases   []string
}

// NewCmdConnect returns `docker network connect`.
func NewCmdConnect(f *factory.Factory, runF func(*ConnectOptions) error) *cobra.Command {
	opts := &ConnectOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "connect [OPTIONS] NETWORK CONTAINER",
		Short: "Connect a container to a network",
		Args:  cli.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Network, opts.Container = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			e, err := open(cmd.Context(), f)
			if err != nil {
				return err
			}
			if err := e.NetworkConnect(cmd.Context(), opts.Network, opts.Container, opts.Aliases); err != nil {
				return cli.DaemonError(err)
			}
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&opts.Aliases, "alias", nil, "Add network-scoped alias for the container")
	return cmd
}

// DisconnectOptions are `docker network disconnect` flags.
type DisconnectOptions struct {
	IO        *iostreams.IOStreams
	Factory   *factory.Factory
	Network   string
	Container string
	Force     bool
}

// NewCmdDisconnect returns `docker network disconnect`.
func NewCmdDisconnect(f *factory.Factory, runF func(*DisconnectOptions) error) *cobra.Command {
	opts := &DisconnectOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "disconnect [OPTIONS] NETWORK CONTAINER",
		Short: "Disconnect a container from a network",
		Args:  cli.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Network, opts.Container = args[0], args[1]
			if runF != nil {
				return runF(opts)
			}
			e, err := open(cmd.Context(), f)
			if err != nil {
				return err
			}
			if err := e.NetworkDisconnect(cmd.Context(), opts.Network, opts.Container); err != nil {
				return cli.DaemonError(err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "Force the container to disconnect from a network")
	return cmd
}

// PruneOptions are `docker network prune` flags.
type PruneOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Force   bool
}

// NewCmdPrune returns `docker network prune`.
func NewCmdPrune(f *factory.Factory, runF func(*PruneOptions) error) *cobra.Command {
	opts := &PruneOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove all unused networks",
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return pruneRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "Do not prompt for confirmation")
	return cmd
}

func pruneRun(ctx context.Context, opts *PruneOptions) error {
	if !opts.Force {
		ok, err := confirm(opts.IO, "WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ")
		if err != nil || !ok {
			return err
		}
	}
	e, err := open(ctx, opts.Factory)
	if err != nil {
		return err
	}
	names, err := e.PruneNetworks(ctx)
	if err != nil {
		return cli.DaemonError(err)
	}
	if len(names) > 0 {
		fmt.Fprintln(opts.IO.Out, "Deleted Networks:")
		for _, n := range names {
			fmt.Fprintln(opts.IO.Out, n)
		}
		fmt.Fprintln(opts.IO.Out)
	}
	return nil
}

// confirm asks a yes/no question on the streams; only y or yes agree.
func confirm(io *iostreams.IOStreams, question string) (bool, error) {
	fmt.Fprint(io.Out, question)
	var answer string
	fmt.Fscanln(io.In, &answer)
	answer = strings.ToLower(strings.TrimSpace(answer))
	return answer == "y" || answer == "yes", nil
}

// sortedPorts orders bindings as Docker prints them.
func sortedPorts(ps []engine.PublishedPort) []engine.PublishedPort {
	out := append([]engine.PublishedPort(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].ContainerPort != out[j].ContainerPort {
			return out[i].ContainerPort < out[j].ContainerPort
		}
		return out[i].Proto < out[j].Proto
	})
	return out
}

// NewCmdReset returns the hidden `docker network reset`: it removes every
// kernel object of the state root's networks (bridges, veths, namespaces,
// the nftables table) and their state, for benchmarks and lesson resets
// that throw a state root away. Docker has no such command.
func NewCmdReset(f *factory.Factory) *cobra.Command {
	return &cobra.Command{
		Use:    "reset",
		Short:  "Remove all of this state root's networking (not a Docker command)",
		Hidden: true,
		Args:   cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			e, err := f.Engine(cmd.Context())
			if err != nil {
				return err
			}
			return e.ResetNetworks(cmd.Context())
		},
	}
}

// InspectKind lets `docker inspect` find networks.
var InspectKind = inspect.Kind{
	Type: "network",
	Get: func(ctx context.Context, e inspect.Engine, ref string) (any, bool, error) {
		in, err := e.InspectNetwork(ctx, ref)
		if engine.KindOf(err) == engine.NotFound {
			return nil, false, err
		}
		if err != nil {
			return nil, false, cli.DaemonError(err)
		}
		return in, true, nil
	},
}

// labels is a LABELS column: k=v pairs, sorted, comma-separated (Docker's).
func labels(m map[string]string) string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
