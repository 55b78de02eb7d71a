package inspect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

type thing struct {
	ID     string `json:"Id"`
	Labels []string
}

// kind is a fake kind of object holding the given things by id.
func kind(typ string, things ...thing) Kind {
	return Kind{Type: typ, Get: func(_ context.Context, _ Engine, ref string) (any, bool, error) {
		for _, t := range things {
			if t.ID == ref {
				return t, true, nil
			}
		}
		return nil, false, engine.Missing(fmt.Errorf("No such %s: %s", typ, ref))
	}}
}

// noEngine stands for the engine: the fake kinds above do not read it.
func noEngine(context.Context) (Engine, error) { return nil, nil }

func TestRunLooksKindsUpInOrder(t *testing.T) {
	tests := []struct {
		name, format, typ string
		names             []string
		wantOut, wantErr  string
		wantStatus        bool
	}{
		{name: "json array", names: []string{"c1"}, wantOut: "[\n    {\n        \"Id\": \"c1\",\n        \"Labels\": [\n            \"from-container\"\n        ]\n    }\n]\n"},
		{name: "first kind wins", format: "{{join .Labels \",\"}}", names: []string{"c1", "i1"}, wantOut: "from-container\nfrom-image\n"},
		{name: "type narrows", format: "{{.Id}}", typ: "image", names: []string{"i1"}, wantOut: "i1\n"},
		{name: "json func", format: "{{json .Labels}}", names: []string{"i1"}, wantOut: "[\"from-image\"]\n"},
		{name: "missing", names: []string{"nope"}, wantOut: "[]\n", wantErr: "Error: No such object: nope\n", wantStatus: true},
		// Given a type, Docker 28's CLI prints the daemon's answer
		// (cli/command/system/inspect.go returns its error as it is).
		{name: "missing of a type", typ: "image", names: []string{"c2"}, wantOut: "[]\n", wantErr: "Error response from daemon: No such image: c2\n", wantStatus: true},
		{name: "found and missing", format: "{{.Id}}", names: []string{"c1", "nope", "i1", "gone"}, wantOut: "c1\ni1\n", wantErr: "Error: No such object: nope\nError: No such object: gone\n", wantStatus: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			opts := &Options{IO: ios, Engine: noEngine, Format: tt.format, Type: tt.typ, Names: tt.names, Kinds: []Kind{
				kind("container", thing{ID: "c1", Labels: []string{"from-container"}}),
				kind("image", thing{ID: "i1", Labels: []string{"from-image"}}, thing{ID: "c1", Labels: []string{"from-image"}}),
			}}
			err := Run(context.Background(), opts)
			var se *factory.StatusError
			if tt.wantStatus != errors.As(err, &se) || (!tt.wantStatus && err != nil) {
				t.Errorf("Run error = %v, want status error %v", err, tt.wantStatus)
			}
			if out.String() != tt.wantOut || errOut.String() != tt.wantErr {
				t.Errorf("Run printed %q / %q, want %q / %q", out, errOut, tt.wantOut, tt.wantErr)
			}
		})
	}
}

func TestRunRejectsUnknownType(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	err := Run(context.Background(), &Options{IO: ios, Engine: noEngine, Type: "bogus", Names: []string{"x"}, Kinds: []Kind{kind("image")}})
	var fe *factory.FlagError
	if !errors.As(err, &fe) {
		t.Errorf("Run --type bogus = %v, want a flag error", err)
	}
}

// TestTemplateErrorIsOneLine: a template that fails while running says
// "template: " once (found by QA: "template: template: format:1:2: ...").
func TestTemplateErrorIsOneLine(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	err := Run(context.Background(), &Options{IO: ios, Engine: noEngine, Format: "{{index .Labels 9}}", Names: []string{"c1"}, Kinds: []Kind{kind("container", thing{ID: "c1"})}})
	if err == nil || strings.Count(err.Error(), "template: ") != 1 || !strings.Contains(err.Error(), "error calling index") {
		t.Errorf("Run with a failing template = %v, want one \"template: \" and the reason", err)
	}
}

// TestRowsRefusesUnknownField: a list's --format naming a field rows do not
// have fails in one line (found by QA: docker images --format '{{.Nope}}'
// printed "<no value>" for every image).
func TestRowsRefusesUnknownField(t *testing.T) {
	for _, format := range []string{"{{.Nope}}", "table {{.Name}}\t{{.Nope}}"} {
		ios, _, out, _ := iostreams.Test()
		err := Rows(ios, format, map[string]string{"Name": "NAME"}, []map[string]string{{"Name": "a"}})
		if err == nil || !strings.Contains(err.Error(), `map has no entry for key "Nope"`) || strings.Count(err.Error(), "template: ") != 1 {
			t.Errorf("Rows(%q) = %v (printed %q), want an error naming Nope", format, err, out)
		}
	}
	ios, _, out, _ := iostreams.Test()
	if err := Rows(ios, "{{.Name}}", nil, []map[string]string{{"Name": "a"}}); err != nil || out.String() != "a\n" {
		t.Errorf("Rows({{.Name}}) = %v, %q; want a", err, out)
	}
}

// TestTemplateSeesOmittedFields: a field omitempty leaves out of the JSON
// is still there for a template, empty, as on the typed value Docker's CLI
// runs templates on: an image without an entrypoint prints null for
// '{{json .Config.Entrypoint}}', not "map has no entry for key".
func TestTemplateSeesOmittedFields(t *testing.T) {
	type config struct {
		Entrypoint []string `json:",omitempty"`
		Cmd        []string `json:",omitempty"`
	}
	type base struct {
		ID     string  `json:"Id"`
		Config *config `json:",omitempty"`
		Name   string  `json:",omitempty"`
	}
	type image struct {
		*base
		Name string // hides base's Name, as in encoding/json
	}
	img := image{base: &base{ID: "sha256:1", Config: &config{Cmd: []string{"nginx"}}}, Name: "web"}
	for format, want := range map[string]string{
		"{{json .Config.Entrypoint}}": "null",
		"{{json .Config.Cmd}}":        `["nginx"]`,
		"{{.Name}}":                   "web",
		"{{.Id}}":                     "sha256:1",
	} {
		ios, _, out, _ := iostreams.Test()
		if err := Print(ios, format, []any{img}, nil); err != nil {
			t.Errorf("%s: %v", format, err)
			continue
		}
		if got := strings.TrimSpace(out.String()); got != want {
			t.Errorf("%s printed %q, want %q", format, got, want)
		}
	}
	ios, _, _, _ := iostreams.Test()
	if err := Print(ios, "{{.Nope}}", []any{img}, nil); err == nil {
		t.Error("{{.Nope}}: no error for a field the object does not have")
	}
}
