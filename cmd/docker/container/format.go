package container

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"text/template"
	"time"

	"github.com/docker/go-units"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// psRow is what a `docker ps --format` template sees, with Docker's field
// names ({{.ID}}, {{.Names}}, {{.Status}}, ...).
type psRow struct {
	ID, Image, Command, CreatedAt, RunningFor, Ports, State, Status, Names, Labels, Mounts, Networks string

	labels map[string]string
}

// Label is '{{.Label "key"}}': one label's value, "" when unset.
func (r psRow) Label(name string) string { return r.labels[name] }

// MarshalJSON is Docker's `ps --format json` object: the fields as strings,
// keys in alphabetical order.
func (r psRow) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{
		"ID": r.ID, "Image": r.Image, "Command": r.Command, "CreatedAt": r.CreatedAt,
		"RunningFor": r.RunningFor, "Ports": r.Ports, "State": r.State, "Status": r.Status,
		"Names": r.Names, "Labels": r.Labels, "Mounts": r.Mounts, "Networks": r.Networks,
	})
}

// psImage is ps's IMAGE: the engine's listing names the image by its ID
// once the container's reference names another image or none, which
// Docker's CLI shows in its 12-character form unless --no-trunc.
func psImage(c *engine.Container, noTrunc bool) string {
	if noTrunc || c.Spec.Image != c.Spec.ImageID {
		return c.Spec.Image
	}
	id := strings.TrimPrefix(c.Spec.ImageID, "sha256:")
	return id[:min(12, len(id))]
}

func newPsRow(c *engine.Container, now time.Time, noTrunc bool) psRow {
	id := c.ShortID()
	command := commandLine(c.Spec.Config.Args())
	if !noTrunc {
		command = ellipsis(command, 20)
	}
	if noTrunc {
		id = c.ID
	}
	var labels []string
	for k, v := range c.Spec.Config.Labels {
		labels = append(labels, k+"="+v)
	}
	sort.Strings(labels)
	var mounts []string
	for _, m := range c.Spec.Host.Mounts {
		name := m.Name
		if name == "" {
			name = m.Source
		}
		if !noTrunc {
			name = ellipsis(name, 15)
		}
		mounts = append(mounts, name)
	}
	return psRow{
		ID: id, Image: psImage(c, noTrunc), Command: strconv.Quote(command),
		CreatedAt:  c.Created.Local().Format("2006-01-02 15:04:05 -0700 MST"),
		RunningFor: units.HumanDuration(now.Sub(c.Created)) + " ago",
		Ports:      Ports(c), State: string(c.State.Status), Status: Status(c, now),
		Names: c.Name, Labels: strings.Join(labels, ","), labels: c.Spec.Config.Labels,
		Mounts: strings.Join(mounts, ","), Networks: c.Spec.Host.NetworkMode,
	}
}

// writePsFormat prints rows through a Go template; "table ..." adds a
// header and aligns columns, as Docker does.
func writePsFormat(w io.Writer, format string, list []*engine.Container, now time.Time, noTrunc bool) error {
	if format == "json" {
		format = "{{json .}}" // one object a line, as Docker
	}
	table := strings.HasPrefix(format, "table")
	if table {
		format = strings.TrimSpace(strings.TrimPrefix(format, "table"))
	}
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	tmpl, err := template.New("").Funcs(template.FuncMap{
		"json": func(v any) (string, error) {
			b, err := json.Marshal(v)
			return string(b), err
		},
	}).Parse(format)
	if err != nil {
		// Docker's CLI (container/list.go).
		return fmt.Errorf("failed to parse template: %w", err)
	}
	out := w
	var tw *tabwriter.Writer
	if table {
		tw = tabwriter.NewWriter(w, 10, 1, 3, ' ', 0)
		out = tw
		header := psRow{ID: "CONTAINER ID", Image: "IMAGE", Command: "COMMAND", CreatedAt: "CREATED AT",
			RunningFor: "CREATED", Ports: "PORTS", State: "STATE", Status: "STATUS", Names: "NAMES", Labels: "LABELS",
			Mounts: "MOUNTS", Networks: "NETWORKS"}
		if err := tmpl.Execute(out, header); err != nil {
			return fmt.Errorf("failed to execute template: %w", err)
		}
		fmt.Fprintln(out)
	}
	for _, c := range list {
		if err := tmpl.Execute(out, newPsRow(c, now, noTrunc)); err != nil {
			return fmt.Errorf("failed to execute template: %w", err)
		}
		fmt.Fprintln(out)
	}
	if tw != nil {
		return tw.Flush()
	}
	return nil
}
