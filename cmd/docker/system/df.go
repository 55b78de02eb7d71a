package system

import (
	"context"
	"fmt"
	"strconv"

	"github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker/inspect"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// DfOptions are docker system df's flags.
type DfOptions struct {
	Factory *factory.Factory
	Format  string
}

// dfFormat is Docker's default table of docker system df.
const dfFormat = "table {{.Type}}\t{{.TotalCount}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}"

// NewCmdDf returns `docker system df`.
func NewCmdDf(f *factory.Factory, runF func(*DfOptions) error) *cobra.Command {
	opts := &DfOptions{Factory: f}
	var verbose bool
	cmd := &cobra.Command{
		Use:   "df [OPTIONS]",
		Short: "Show docker disk usage",
		Long: `Show how much disk the engine's images, containers (their writable layers),
volumes and build cache take, and how much removing the unused ones would
free (docker system prune).`,
		Args: cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if verbose {
				return &factory.FlagError{Err: fmt.Errorf("docker system df -v is not available in Dockyard: docker images, docker ps -a and docker volume ls list the objects one by one")}
			}
			if runF != nil {
				return runF(opts)
			}
			return dfRun(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Format, "format", "", "Format output using a custom template ('table', 'table TEMPLATE', 'json' or a Go template)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "Show detailed information on space usage")
	return cmd
}

func dfRun(ctx context.Context, opts *DfOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	du, err := e.DiskUsage(ctx)
	if err != nil {
		return err
	}
	format := opts.Format
	if format == "" || format == "table" {
		format = dfFormat
	}
	headers := map[string]string{"Type": "TYPE", "TotalCount": "TOTAL", "Active": "ACTIVE", "Size": "SIZE", "Reclaimable": "RECLAIMABLE"}
	return inspect.Rows(opts.Factory.IOStreams, format, headers, []map[string]string{
		dfRow("Images", du.Images),
		dfRow("Containers", du.Containers),
		dfRow("Local Volumes", du.Volumes),
		dfRow("Build Cache", du.BuildCache),
	})
}

// dfRow is one line as Docker prints it: sizes in decimal units ("72.1MB")
// and the reclaimable share of the size in percent when there is any.
func dfRow(typ string, r engine.UsageRow) map[string]string {
	reclaimable := units.HumanSize(float64(r.Reclaimable))
	if r.Size > 0 {
		reclaimable += fmt.Sprintf(" (%d%%)", r.Reclaimable*100/r.Size)
	}
	return map[string]string{
		"Type":        typ,
		"TotalCount":  strconv.Itoa(r.Total),
		"Active":      strconv.Itoa(r.Active),
		"Size":        units.HumanSize(float64(r.Size)),
		"Reclaimable": reclaimable,
	}
}
