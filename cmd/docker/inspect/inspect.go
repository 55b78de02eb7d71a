// Package inspect is `docker inspect`: it finds each name among the kinds
// of object the engine has (containers, images, networks, volumes) and
// prints them as Docker does, as a JSON array or through a --format
// template. Each kind is a Kind value contributed by its command package
// and joined in cmd/docker/docker.go, so adding containers or networks is
// one more argument there.
package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"text/tabwriter"
	"text/template"

	imagetypes "github.com/moby/moby/api/types/image"
	apinet "github.com/moby/moby/api/types/network"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// Engine is what docker inspect reads: one object of each kind by name
// (*engine.Engine, or a fake in tests).
type Engine interface {
	InspectContainer(ref string) (*engine.ContainerJSON, error)
	InspectImage(ctx context.Context, ref string) (imagetypes.InspectResponse, error)
	InspectNetwork(ctx context.Context, ref string) (apinet.Inspect, error)
	InspectVolume(ctx context.Context, name string) (*engine.Volume, error)
}

// EngineOf is f's engine as docker inspect reads it.
func EngineOf(f *factory.Factory) func(context.Context) (Engine, error) {
	return factory.EngineAs(f, func(e *engine.Engine) Engine { return e })
}

// Kind is one kind of object docker inspect can find.
type Kind struct {
	// Type is the name --type takes: "container", "image", "network", "volume".
	Type string
	// Get returns the object named ref as the Engine API's JSON type, or
	// found false when there is none of this kind by that name, with the
	// engine's not-found error when it has one.
	Get func(ctx context.Context, e Engine, ref string) (obj any, found bool, err error)
}

// Options are docker inspect's flags and arguments.
type Options struct {
	IO     *iostreams.IOStreams
	Engine func(context.Context) (Engine, error)
	Kinds  []Kind

	Format string
	Type   string
	Names  []string
}

// NewCmdInspect returns `docker inspect`, which looks each name up in
// kinds in order (Docker's order: container, image, network, volume).
func NewCmdInspect(f *factory.Factory, runF func(*Options) error, kinds ...Kind) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Engine: EngineOf(f), Kinds: kinds}
	cmd := &cobra.Command{
		Use:   "inspect [OPTIONS] NAME|ID [NAME|ID...]",
		Short: "Return low-level information on Docker objects",
		Args:  cli.MinArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Names = args
			if runF != nil {
				return runF(opts)
			}
			return Run(c.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Format, "format", "f", "", "format output using a Go template ('{{.Id}}', '{{json .Config}}')")
	cmd.Flags().StringVar(&opts.Type, "type", "", "only inspect objects of this type")
	return cmd
}

// Run looks up every name and prints what was found; names found nowhere
// are reported after the output, and the exit status is then 1.
func Run(ctx context.Context, opts *Options) error {
	kinds := opts.Kinds
	if opts.Type != "" {
		kinds = nil
		var types []string
		for _, k := range opts.Kinds {
			types = append(types, k.Type)
			if k.Type == opts.Type {
				kinds = []Kind{k}
			}
		}
		if kinds == nil {
			return &factory.FlagError{Err: fmt.Errorf("%q is not a valid value for --type (one of %s)", opts.Type, strings.Join(types, ", "))}
		}
	}
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	var objs []any
	var errs []string
	for _, name := range opts.Names {
		obj, err := find(ctx, e, kinds, name)
		if err != nil && engine.KindOf(err) != engine.NotFound {
			return err
		}
		if err == nil {
			objs = append(objs, obj)
			continue
		}
		if len(kinds) == 1 && !errors.Is(err, errNoSuchObject) {
			// One kind (docker image inspect, --type image): Docker's CLI
			// prints the daemon's answer (cli/command/system/inspect.go).
			errs = append(errs, cli.DaemonError(err).Error())
			continue
		}
		errs = append(errs, "Error: No such object: "+name)
	}
	return Print(opts.IO, opts.Format, objs, errs)
}

// errNoSuchObject is what find says when a kind did not say why.
var errNoSuchObject = engine.Missing(errors.New("no such object"))

// find looks name up in kinds in order; the error is the last kind's
// not-found error when none has it.
func find(ctx context.Context, e Engine, kinds []Kind, name string) (any, error) {
	var notFound error = errNoSuchObject
	for _, k := range kinds {
		obj, ok, err := k.Get(ctx, e, name)
		if ok {
			return obj, nil
		}
		if err != nil && engine.KindOf(err) != engine.NotFound {
			return nil, err
		}
		if err != nil {
			notFound = err
		}
	}
	return nil, notFound
}

// Print writes objs as Docker does: an indented JSON array, or the template
// format applied to each object (seen through its JSON field names, so
// '{{.Id}}' and '{{.Config.Cmd}}' work). The lines in errs (names not
// found) are then printed on stderr and the command fails.
func Print(ios *iostreams.IOStreams, format string, objs []any, errs []string) error {
	if format == "" {
		if objs == nil {
			objs = []any{}
		}
		b, err := json.MarshalIndent(objs, "", "    ")
		if err != nil {
			return err
		}
		fmt.Fprintf(ios.Out, "%s\n", b)
	} else {
		tmpl, err := Template(format)
		if err != nil {
			// Docker's CLI: status 64 (cli/command/inspect.Inspect).
			return &factory.StatusError{Code: 64, Message: fmt.Sprintf("template parsing error: %v", err)}
		}
		for _, o := range objs {
			m, err := templateValue(o)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := tmpl.Execute(&buf, m); err != nil {
				return templateError(err)
			}
			fmt.Fprintln(ios.Out, buf.String())
		}
	}
	if len(errs) > 0 {
		fmt.Fprintln(ios.ErrOut, strings.Join(errs, "\n"))
		return &factory.StatusError{Code: 1}
	}
	return nil
}

// templateValue is o as a template sees it: its JSON, with whole numbers
// as int64 and others as float64, as Docker's CLI sees its typed values
// ('{{.HostConfig.Memory}}' prints 67108864, '{{gt .State.Pid 0}}' works).
func templateValue(o any) (any, error) {
	b, err := json.Marshal(o)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	omitted(m, reflect.TypeOf(o))
	return numbers(m), nil
}

// omitted puts back, as nulls, the fields of t that omitempty left out of
// its JSON v. Docker's CLI runs a template on the typed value first, where
// such a field is there and empty: '{{json .Config.Entrypoint}}' prints
// null for an image without one, not "map has no entry".
func omitted(v any, t reflect.Type) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch v := v.(type) {
	case map[string]any:
		switch {
		case t != nil && t.Kind() == reflect.Struct:
			for name, ft := range jsonFields(t) {
				if x, ok := v[name]; ok {
					omitted(x, ft)
				} else {
					v[name] = nil
				}
			}
		case t != nil && t.Kind() == reflect.Map:
			for _, x := range v {
				omitted(x, t.Elem())
			}
		}
	case []any:
		if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
			for _, x := range v {
				omitted(x, t.Elem())
			}
		}
	}
}

// jsonFields are the JSON names of t's fields and their types, with the
// fields of embedded structs as encoding/json flattens them: a shallower
// field of a name hides a deeper one.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	fields := map[string]reflect.Type{}
	for level := []reflect.Type{t}; len(level) > 0; {
		var embedded []reflect.Type
		for _, t := range level {
			for i := range t.NumField() {
				f := t.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == "-" || (!f.IsExported() && !f.Anonymous) {
					continue
				}
				ft := f.Type
				for ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
					embedded = append(embedded, ft)
					continue
				}
				if name == "" {
					name = f.Name
				}
				if _, hidden := fields[name]; !hidden {
					fields[name] = f.Type
				}
			}
		}
		level = embedded
	}
	return fields
}

// numbers replaces the json.Numbers in v.
func numbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = numbers(x)
		}
	case []any:
		for i, x := range v {
			v[i] = numbers(x)
		}
	}
	return v
}

// Template parses a --format template with the functions Docker's
// templates offer (json, join, split, upper, lower, title, println).
func Template(format string) (*template.Template, error) {
	// Unnamed, as Docker's templates.Parse: its errors read "template: :1: ...".
	return template.New("").Option("missingkey=error").Funcs(template.FuncMap{
		"json": func(v any) (string, error) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(v); err != nil {
				return "", err
			}
			return strings.TrimSpace(buf.String()), nil
		},
		"join": func(v any, sep string) string {
			switch l := v.(type) {
			case []string:
				return strings.Join(l, sep)
			case []any:
				parts := make([]string, len(l))
				for i, x := range l {
					parts[i] = fmt.Sprint(x)
				}
				return strings.Join(parts, sep)
			}
			return fmt.Sprint(v)
		},
		"split": strings.Split,
		"upper": strings.ToUpper,
		"lower": strings.ToLower,
		"title": func(s string) string {
			if s == "" {
				return s
			}
			return strings.ToUpper(s[:1]) + s[1:]
		},
		"println": func(a ...any) string { return fmt.Sprintln(a...) },
	}).Parse(format)
}

// Rows prints the rows of a list command (docker images, network ls,
// volume ls) through its --format: "json" (one object a line), a Go
// template, or "table TEMPLATE", which adds a header line made from headers
// and aligns the columns as Docker does.
func Rows(ios *iostreams.IOStreams, format string, headers map[string]string, rows []map[string]string) error {
	if format == "json" {
		// Docker's --format json: one object per line.
		format = "{{json .}}"
	}
	table := strings.HasPrefix(format, "table")
	format = strings.TrimSpace(strings.TrimPrefix(format, "table"))
	format = strings.NewReplacer(`\t`, "\t", `\n`, "\n").Replace(format)
	tmpl, err := Template(format)
	if err != nil {
		return &factory.StatusError{Code: 1, Message: fmt.Sprintf("template parsing error: %v", err)}
	}
	// A row has a fixed set of fields: a name outside it is an error, as
	// Docker's "can't evaluate field Nope", not "<no value>" on every line.
	tmpl = tmpl.Option("missingkey=error")
	var buf bytes.Buffer
	if table {
		if err := tmpl.Execute(&buf, headers); err != nil {
			return templateError(err)
		}
		buf.WriteByte('\n')
	}
	for _, r := range rows {
		if err := tmpl.Execute(&buf, r); err != nil {
			return templateError(err)
		}
		buf.WriteByte('\n')
	}
	if !table {
		_, err := ios.Out.Write(buf.Bytes())
		return err
	}
	tw := tabwriter.NewWriter(ios.Out, 10, 1, 3, ' ', 0)
	tw.Write(buf.Bytes())
	return tw.Flush()
}

// templateError is a --format template's execution error as one line:
// text/template's own message already starts with "template: ".
func templateError(err error) error {
	msg := err.Error()
	if !strings.HasPrefix(msg, "template: ") {
		msg = "template: " + msg
	}
	return errors.New(msg)
}
