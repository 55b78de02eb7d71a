package image

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/idindex"
)

// HistoryOptions are docker history's flags and argument.
type HistoryOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Now     func() time.Time

	Image   string
	Human   bool
	NoTrunc bool
	Quiet   bool
	Format  string
}

// NewCmdHistory returns `docker history`.
func NewCmdHistory(f *factory.Factory, runF func(*HistoryOptions) error) *cobra.Command {
	opts := &HistoryOptions{IO: f.IOStreams, Factory: f, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "history [OPTIONS] IMAGE",
		Short: "Show the history of an image",
		Args:  cli.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Image = args[0]
			if runF != nil {
				return runF(opts)
			}
			return historyRun(c.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Human, "human", "H", true, "print sizes and dates in human readable format")
	cmd.Flags().BoolVar(&opts.NoTrunc, "no-trunc", false, "don't truncate output")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "only show image IDs")
	cmd.Flags().StringVar(&opts.Format, "format", "", "format output using a Go template, or \"table TEMPLATE\"")
	return cmd
}

var historyHeaders = row{"ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY", "Size": "SIZE", "Comment": "COMMENT"}

func historyRun(ctx context.Context, opts *HistoryOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	items, err := e.ImageHistory(ctx, opts.Image)
	if err != nil {
		return cli.DaemonError(err)
	}
	var rows []row
	for _, it := range items {
		id := it.ID
		if id != "<missing>" && !opts.NoTrunc {
			id = idindex.Short(id)
		}
		if opts.Quiet {
			fmt.Fprintln(opts.IO.Out, id)
			continue
		}
		createdBy := strings.ReplaceAll(it.CreatedBy, "\t", " ")
		if !opts.NoTrunc && len([]rune(createdBy)) > 45 {
			createdBy = string([]rune(createdBy)[:44]) + "…"
		}
		r := row{"ID": id, "CreatedBy": createdBy, "Comment": it.Comment, "CreatedAt": it.Created.Format(time.RFC3339)}
		if opts.Human {
			r["CreatedSince"] = "N/A"
			if !it.Created.IsZero() {
				r["CreatedSince"] = units.HumanDuration(opts.Now().UTC().Sub(it.Created)) + " ago"
			}
			r["Size"] = units.HumanSizeWithPrecision(float64(it.Size), 3)
		} else {
			r["CreatedSince"] = it.Created.Format(time.RFC3339)
			r["Size"] = strconv.FormatInt(it.Size, 10)
		}
		rows = append(rows, r)
	}
	if opts.Quiet {
		return nil
	}
	format := opts.Format
	if format == "" || format == "table" {
		format = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"
	}
	return printRows(opts.IO, format, historyHeaders, rows)
}
