package image

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker/inspect"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
	"github.com/dockyard-lab/dockyard/sandbox/idindex"
)

// ListOptions are docker images' flags and argument.
type ListOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Now     func() time.Time

	Repository string // [REPOSITORY[:TAG]]
	All        bool
	Quiet      bool
	Digests    bool
	NoTrunc    bool
	Filters    []string
	Format     string
}

// NewCmdList returns `docker images` (use "images") or `docker image ls`
// (use "ls").
func NewCmdList(f *factory.Factory, runF func(*ListOptions) error, use string) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Factory: f, Now: time.Now}
	cmd := &cobra.Command{
		Use:   use + " [OPTIONS] [REPOSITORY[:TAG]]",
		Short: "List images",
		Example: `  docker images
  docker images busybox
  docker images -q
  docker images --filter dangling=true
  docker images --format '{{.Repository}}:{{.Tag}} {{.Size}}'`,
		Args: cli.MaxArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Repository = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return listRun(c.Context(), opts)
		},
	}
	if use == "ls" {
		cmd.Aliases = []string{"list"}
	}
	fl := cmd.Flags()
	fl.BoolVarP(&opts.All, "all", "a", false, "show all images (default hides intermediate images)")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "only show image IDs")
	fl.BoolVar(&opts.Digests, "digests", false, "show digests")
	fl.BoolVar(&opts.NoTrunc, "no-trunc", false, "don't truncate output")
	fl.StringArrayVarP(&opts.Filters, "filter", "f", nil, "filter output based on conditions provided (dangling=true|false, reference=PATTERN)")
	fl.StringVar(&opts.Format, "format", "", "format output: \"json\", a Go template, or \"table TEMPLATE\"")
	return cmd
}

// row is one line of docker images, keyed by the names --format uses.
type row map[string]string

var listHeaders = row{
	"Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST", "ID": "IMAGE ID",
	"CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE",
	"VirtualSize": "VIRTUAL SIZE", "Containers": "CONTAINERS", "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE",
}

func listRun(ctx context.Context, opts *ListOptions) error {
	filters, err := engine.ParseFilters(opts.Filters)
	if err != nil {
		return &factory.FlagError{Err: err}
	}
	// [REPOSITORY[:TAG]] is a reference filter, as docker/cli sends it.
	if opts.Repository != "" {
		filters["reference"] = append(filters["reference"], opts.Repository)
	}
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	imgs, err := e.ListImages(ctx, filters)
	if err != nil {
		return cli.DaemonError(err)
	}
	for _, d := range e.DamagedImages(ctx) {
		fmt.Fprintln(opts.IO.ErrOut, "WARNING: "+d.Error())
	}
	var rows []row
	for _, img := range imgs {
		rows = append(rows, imageRows(img, opts)...)
	}
	if opts.Quiet {
		var seen []string
		for _, r := range rows {
			if !slices.Contains(seen, r["ID"]) {
				seen = append(seen, r["ID"])
				fmt.Fprintln(opts.IO.Out, r["ID"])
			}
		}
		return nil
	}
	format := opts.Format
	if format == "" || format == "table" {
		cols := []string{"{{.Repository}}", "{{.Tag}}"}
		if opts.Digests {
			cols = append(cols, "{{.Digest}}")
		}
		format = "table " + strings.Join(append(cols, "{{.ID}}", "{{.CreatedSince}}", "{{.Size}}"), "\t")
	}
	return printRows(opts.IO, format, listHeaders, rows)
}

// printRows prints rows through a --format template (inspect.Rows).
func printRows(ios *iostreams.IOStreams, format string, headers row, rows []row) error {
	rs := make([]map[string]string, len(rows))
	for i, r := range rows {
		rs[i] = r
	}
	return inspect.Rows(ios, format, headers, rs)
}

// imageRows returns an image's lines: one per tag, else one per digest
// (tag <none>), else <none> <none>.
func imageRows(img *engine.Image, opts *ListOptions) []row {
	id := idindex.Short(img.ID)
	if opts.NoTrunc {
		id = img.ID
	}
	created := "N/A"
	if !img.Created.IsZero() {
		created = units.HumanDuration(opts.Now().UTC().Sub(img.Created)) + " ago"
	}
	base := func(repo, tag, digest string) row {
		return row{
			"Repository": repo, "Tag": tag, "Digest": digest, "ID": id,
			"CreatedSince": created, "CreatedAt": img.Created.Format("2006-01-02 15:04:05 -0700 MST"),
			"Size": units.HumanSizeWithPrecision(float64(img.Size), 3), "VirtualSize": units.HumanSizeWithPrecision(float64(img.Size), 3),
			"Containers": "N/A", "SharedSize": "N/A", "UniqueSize": "N/A",
		}
	}
	digestOf := func(repo string) string {
		for _, d := range img.RepoDigests {
			if r, dg, ok := strings.Cut(d, "@"); ok && r == repo {
				return dg
			}
		}
		return "<none>"
	}
	var rows []row
	for _, t := range img.RepoTags {
		i := strings.LastIndex(t, ":")
		repo, tag := t[:i], t[i+1:]
		rows = append(rows, base(repo, tag, digestOf(repo)))
	}
	if len(rows) == 0 {
		for _, d := range img.RepoDigests {
			repo, dg, _ := strings.Cut(d, "@")
			rows = append(rows, base(repo, "<none>", dg))
		}
	}
	if len(rows) == 0 {
		rows = append(rows, base("<none>", "<none>", "<none>"))
	}
	return rows
}
