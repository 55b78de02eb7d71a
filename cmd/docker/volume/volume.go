// Package volume is Docker's volume commands on Dockyard's engine:
// `docker volume create|ls|inspect|rm|prune`.
package volume

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/docker/go-units"
	apivol "github.com/moby/moby/api/types/volume"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker/inspect"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// NewCmdVolume returns `docker volume` with its subcommands.
func NewCmdVolume(f *factory.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "volume",
		Short: "Manage volumes",
		Long: `Manage volumes: directories Dockyard keeps for containers, whose data outlives
the containers that use them.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	cmd.AddCommand(NewCmdCreate(f, nil), NewCmdLs(f, nil), NewCmdInspect(f, nil), NewCmdRm(f, nil), NewCmdPrune(f, nil))
	return cmd
}

// CreateOptions are `docker volume create` flags.
type CreateOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Name    string
	Driver  string
	Labels  []string
	Opts    []string
}

// NewCmdCreate returns `docker volume create`.
func NewCmdCreate(f *factory.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] [VOLUME]",
		Short: "Create a volume",
		Args:  cli.MaxArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if opts.Name != "" && opts.Name != args[0] {
					return &factory.FlagError{Err: fmt.Errorf("conflicting options: either specify --name or provide positional arg, not both")}
				}
				opts.Name = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Driver, "driver", "d", "local", "Specify volume driver name")
	fl.StringVar(&opts.Name, "name", "", "Specify volume name")
	_ = fl.MarkHidden("name")
	fl.StringArrayVar(&opts.Labels, "label", nil, "Set metadata for a volume")
	fl.StringArrayVarP(&opts.Opts, "opt", "o", nil, "Set driver specific options (none are supported here)")
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	if len(opts.Opts) > 0 {
		// Docker's local driver mounts what -o says (tmpfs, NFS, a device);
		// here a volume is always a directory, so say so before anything
		// is made.
		return cli.DaemonError(fmt.Errorf("volume option %q is not supported: a volume here is a plain directory; use docker volume create without -o, or --mount type=tmpfs on docker run for a tmpfs", opts.Opts[0]))
	}
	e, err := opts.Factory.Engine(ctx)
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
	v, err := e.CreateVolume(ctx, engine.VolumeCreateOptions{Name: opts.Name, Driver: opts.Driver, Labels: labels})
	if err != nil {
		return cli.DaemonError(err)
	}
	fmt.Fprintln(opts.IO.Out, v.Name)
	return nil
}

// Lister is what docker volume ls asks of the engine (*engine.Engine, or
// a fake in tests).
type Lister interface {
	ListVolumes(ctx context.Context, f engine.Filters) ([]*engine.Volume, error)
	DamagedVolumes(ctx context.Context) []error
	VolumeUsers(v *engine.Volume) []string
}

// LsOptions are `docker volume ls` flags.
type LsOptions struct {
	IO      *iostreams.IOStreams
	Engine  func(context.Context) (Lister, error)
	Quiet   bool
	Filters []string
	Format  string
}

// NewCmdLs returns `docker volume ls`.
func NewCmdLs(f *factory.Factory, runF func(*LsOptions) error) *cobra.Command {
	opts := &LsOptions{IO: f.IOStreams, Engine: factory.EngineAs(f, func(e *engine.Engine) Lister { return e })}
	cmd := &cobra.Command{
		Use:     "ls [OPTIONS]",
		Aliases: []string{"list"},
		Short:   "List volumes",
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return lsRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "Only display volume names")
	fl.StringArrayVarP(&opts.Filters, "filter", "f", nil, "Provide filter values (name=, dangling=true|false)")
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
	shown, err := e.ListVolumes(ctx, filters)
	if err != nil {
		return cli.EngineError(err)
	}
	for _, d := range e.DamagedVolumes(ctx) {
		fmt.Fprintln(opts.IO.ErrOut, "WARNING: "+d.Error())
	}
	if opts.Quiet {
		for _, v := range shown {
			fmt.Fprintln(opts.IO.Out, v.Name)
		}
		return nil
	}
	if opts.Format != "" && opts.Format != "table" {
		rows := make([]map[string]string, len(shown))
		for i, v := range shown {
			rows[i] = map[string]string{
				"Name": v.Name, "Driver": v.Driver, "Scope": "local", "Mountpoint": v.Mountpoint,
				"Labels": labels(v.Labels), "Links": strconv.Itoa(len(e.VolumeUsers(v))), "Size": "N/A",
				"CreatedAt": v.CreatedAt.Format("2006-01-02 15:04:05.999999999 -0700 MST"),
			}
		}
		return inspect.Rows(opts.IO, opts.Format, map[string]string{
			"Name": "VOLUME NAME", "Driver": "DRIVER", "Scope": "SCOPE", "Mountpoint": "MOUNTPOINT",
			"Labels": "LABELS", "Links": "LINKS", "Size": "SIZE", "CreatedAt": "CREATED AT",
		}, rows)
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 10, 1, 3, ' ', 0) // docker/cli's table formatter
	fmt.Fprintln(tw, "DRIVER\tVOLUME NAME")
	for _, v := range shown {
		fmt.Fprintf(tw, "%s\t%s\n", v.Driver, v.Name)
	}
	return tw.Flush()
}

// InspectOptions are `docker volume inspect` arguments.
type InspectOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Names   []string
	Format  string
}

// NewCmdInspect returns `docker volume inspect`.
func NewCmdInspect(f *factory.Factory, runF func(*InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "inspect VOLUME [VOLUME...]",
		Short: "Display detailed information on one or more volumes",
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if runF != nil {
				return runF(opts)
			}
			return inspectRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "", "Format output using a Go template ('{{.Name}}', '{{json .Labels}}')")
	return cmd
}

func inspectRun(ctx context.Context, opts *InspectOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	out := []any{}
	var errs []string
	for _, name := range opts.Names {
		v, err := e.InspectVolume(ctx, name)
		if err != nil {
			errs = append(errs, cli.DaemonError(err).Error())
			continue
		}
		out = append(out, Inspect(v))
	}
	if err := inspect.Print(opts.IO, opts.Format, out, nil); err != nil {
		return err
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// Inspect converts a volume to the Docker Engine API's shape.
func Inspect(v *engine.Volume) apivol.Volume { return engine.VolumeInspect(v) }

// Remover is what docker volume rm asks of the engine.
type Remover interface {
	RemoveVolume(ctx context.Context, name string) error
}

// RmOptions are `docker volume rm` flags.
type RmOptions struct {
	IO     *iostreams.IOStreams
	Engine func(context.Context) (Remover, error)
	Names  []string
	Force  bool
}

// NewCmdRm returns `docker volume rm`.
func NewCmdRm(f *factory.Factory, runF func(*RmOptions) error) *cobra.Command {
	opts := &RmOptions{IO: f.IOStreams, Engine: factory.EngineAs(f, func(e *engine.Engine) Remover { return e })}
	cmd := &cobra.Command{
		Use:     "rm [OPTIONS] VOLUME [VOLUME...]",
		Aliases: []string{"remove"},
		Short:   "Remove one or more volumes",
		Args:    cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Names = args
			if runF != nil {
				return runF(opts)
			}
			return rmRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "Do not error if the volume does not exist")
	return cmd
}

func rmRun(ctx context.Context, opts *RmOptions) error {
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	return cli.ForEachThenErrors(opts.IO, opts.Names, nil, func(name string) error {
		err := e.RemoveVolume(ctx, name)
		if opts.Force && engine.KindOf(err) == engine.NotFound {
			return nil // the daemon's answer to a forced remove: done
		}
		return err
	})
}

// PruneOptions are `docker volume prune` flags.
type PruneOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	All     bool
	Force   bool
	Filters []string
}

// NewCmdPrune returns `docker volume prune`.
func NewCmdPrune(f *factory.Factory, runF func(*PruneOptions) error) *cobra.Command {
	opts := &PruneOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "prune [OPTIONS]",
		Short: "Remove unused local volumes",
		Args:  cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return pruneRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.All, "all", "a", false, "Remove all unused volumes, not just anonymous ones")
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "Do not prompt for confirmation")
	cmd.Flags().StringArrayVar(&opts.Filters, "filter", nil, `Provide filter values (e.g. "label=<label>")`)
	return cmd
}

func pruneRun(ctx context.Context, opts *PruneOptions) error {
	filters, err := engine.ParseFilters(opts.Filters)
	if err != nil {
		return &factory.FlagError{Err: err}
	}
	if !opts.Force {
		what := "anonymous local volumes"
		if opts.All {
			what = "local volumes"
		}
		fmt.Fprintf(opts.IO.Out, "WARNING! This will remove all %s not used by at least one container.\nAre you sure you want to continue? [y/N] ", what)
		var answer string
		fmt.Fscanln(opts.IO.In, &answer)
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return nil
		}
	}
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	names, reclaimed, err := e.PruneVolumes(ctx, opts.All, filters)
	if err != nil {
		return cli.EngineError(err)
	}
	if len(names) > 0 {
		fmt.Fprintln(opts.IO.Out, "Deleted Volumes:")
		for _, n := range names {
			fmt.Fprintln(opts.IO.Out, n)
		}
		fmt.Fprintln(opts.IO.Out)
	}
	fmt.Fprintf(opts.IO.Out, "Total reclaimed space: %s\n", units.HumanSize(float64(reclaimed)))
	return nil
}

// InspectKind lets `docker inspect` find volumes.
var InspectKind = inspect.Kind{
	Type: "volume",
	Get: func(ctx context.Context, e inspect.Engine, ref string) (any, bool, error) {
		v, err := e.InspectVolume(ctx, ref)
		if engine.KindOf(err) == engine.NotFound {
			return nil, false, err
		}
		if err != nil {
			return nil, false, cli.DaemonError(err)
		}
		return Inspect(v), true, nil
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
