package system

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/template"
	"time"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/docker/inspect"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/events"
)

// EventsOptions are docker events' flags.
type EventsOptions struct {
	Factory      *factory.Factory
	Since, Until string
	Filters      map[string][]string
	Format       string
	// Now is the clock durations in --since and --until count back from.
	Now func() time.Time
}

// NewCmdEvents returns `docker events` (also `docker system events`).
func NewCmdEvents(f *factory.Factory, runF func(*EventsOptions) error) *cobra.Command {
	opts := &EventsOptions{Factory: f, Filters: map[string][]string{}, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "events [OPTIONS]",
		Short: "Get real time events from the server",
		Long: `Show what happens in the engine as it happens: containers created, started,
dying and removed, health checks changing, networks and volumes created and
removed. Every process that works on the engine (the docker command, dockyard
serve, each container's monitor) records its events in one log.

Without --since it shows new events until you press Ctrl-C. --since replays
past events first (a time, a Unix timestamp, or a duration back from now:
--since 10m); --until stops at a time, so --since 10m --until 0s shows the
last ten minutes and ends.

Filters (repeatable; values of one key are alternatives, keys combine):
container=, image=, event=, type=container|network|volume, label=,
network=, volume=, scope=local.`,
		Args: cli.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return eventsRun(c.Context(), opts)
		},
		DisableFlagsInUseLine: true,
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Since, "since", "", "Show all events created since timestamp")
	fl.StringVar(&opts.Until, "until", "", "Stream events until this timestamp")
	fl.VarP(&filterOpt{opts.Filters}, "filter", "f", "Filter output based on conditions provided")
	fl.StringVar(&opts.Format, "format", "", "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.")
	return cmd
}

// filterOpt is a repeatable --filter key=value, parsed as Docker's
// opts.FilterOpt does.
type filterOpt struct{ f map[string][]string }

func (o *filterOpt) Set(value string) error {
	if value == "" {
		return nil
	}
	name, val, ok := strings.Cut(value, "=")
	if !ok {
		return errors.New("bad format of filter (expected name=value)")
	}
	name = strings.ToLower(strings.TrimSpace(name))
	o.f[name] = append(o.f[name], strings.TrimSpace(val))
	return nil
}

func (o *filterOpt) String() string {
	if len(o.f) == 0 {
		return ""
	}
	b, _ := json.Marshal(o.f)
	return string(b)
}

func (o *filterOpt) Type() string { return "filter" }

func eventsRun(ctx context.Context, opts *EventsOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	tmpl, err := eventTemplate(opts.Format)
	if err != nil {
		return &factory.StatusError{Code: 64, Message: "Error parsing format: " + err.Error()}
	}
	// The client turns the times into timestamps, the engine reads them,
	// as between Docker's CLI and its daemon.
	now := opts.Now()
	q := events.Query{Filters: opts.Filters}
	if q.Since, err = events.Timestamp(opts.Since, now); err != nil {
		return &factory.StatusError{Code: 1, Message: err.Error()}
	}
	if q.Until, err = events.Timestamp(opts.Until, now); err != nil {
		return &factory.StatusError{Code: 1, Message: err.Error()}
	}
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	ro, err := q.Options(now)
	if err != nil {
		return cli.EngineError(err)
	}
	out := opts.Factory.IOStreams.Out
	return events.Open(e.Root()).Read(ctx, ro, func(m events.Message) error {
		return writeEvent(out, tmpl, m)
	})
}

// writeEvent writes one event through the --format template, or in
// Docker's line format when there is none.
func writeEvent(w io.Writer, tmpl *template.Template, m events.Message) error {
	if tmpl == nil {
		return printEvent(w, m)
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, m); err != nil {
		return err
	}
	b.WriteByte('\n')
	_, err := w.Write(b.Bytes())
	return err
}

// eventTemplate parses --format as Docker does ("json" is '{{json .}}'),
// and tries it on an empty event so a bad field fails before any event.
// No format is Docker's line format: nil.
func eventTemplate(format string) (*template.Template, error) {
	switch format {
	case "":
		return nil, nil
	case "json":
		format = "{{json .}}"
	}
	tmpl, err := inspect.Template(format)
	if err != nil {
		return nil, err
	}
	// An attribute an event lacks prints "<no value>", as in Docker.
	tmpl = tmpl.Option("missingkey=default")
	return tmpl, tmpl.Execute(io.Discard, events.Message{})
}

// rfc3339NanoFixed is RFC 3339 with nanoseconds padded to nine digits, so
// every line's time has the same width (docker/cli's events command).
const rfc3339NanoFixed = "2006-01-02T15:04:05.000000000Z07:00"

// printEvent writes Docker's line for an event: local time, type, action,
// the actor's id, then its attributes sorted by name:
//
//	2026-12-04T18:00:00.123456789Z container create 3f2a… (image=busybox, name=x)
func printEvent(w io.Writer, m events.Message) error {
	var b strings.Builder
	if m.TimeNano != 0 {
		b.WriteString(time.Unix(0, m.TimeNano).Format(rfc3339NanoFixed) + " ")
	} else if m.Time != 0 {
		b.WriteString(time.Unix(m.Time, 0).Format(rfc3339NanoFixed) + " ")
	}
	fmt.Fprintf(&b, "%s %s %s", m.Type, m.Action, m.Actor.ID)
	if len(m.Actor.Attributes) > 0 {
		keys := make([]string, 0, len(m.Actor.Attributes))
		for k := range m.Actor.Attributes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		attrs := make([]string, len(keys))
		for i, k := range keys {
			attrs[i] = k + "=" + m.Actor.Attributes[k]
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(attrs, ", "))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}
