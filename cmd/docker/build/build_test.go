package build

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

func TestBuildFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want BuildOptions
	}{
		{"context only", []string{"."}, BuildOptions{Context: ".", Progress: "auto", Rm: true}},
		{"every flag", []string{"-t", "app:1", "--tag", "app:latest", "-f", "docker/Dockerfile", "--build-arg", "A=1", "--build-arg", "B",
			"--label", "k=v", "--no-cache", "--target", "runtime", "-q", "ctx"},
			BuildOptions{Context: "ctx", Tags: []string{"app:1", "app:latest"}, File: "docker/Dockerfile", BuildArgs: []string{"A=1", "B"},
				Labels: []string{"k=v"}, NoCache: true, Target: "runtime", Quiet: true, Progress: "auto", Rm: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *BuildOptions
			cmd := NewCmdBuild(&factory.Factory{IOStreams: ios}, func(o *BuildOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			if err := cmd.Execute(); err != nil {
				t.Fatalf("docker build %q: %v", tt.args, err)
			}
			got.IO, got.Engine = nil, nil
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("docker build %q options = %+v, want %+v", tt.args, *got, tt.want)
			}
		})
	}
}

func TestBuildNeedsOneContext(t *testing.T) {
	for _, args := range [][]string{{}, {"a", "b"}} {
		ios, _, _, _ := iostreams.Test()
		cmd := NewCmdBuild(&factory.Factory{IOStreams: ios}, func(*BuildOptions) error { return nil })
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		var ae *cli.ArgsError
		if err := cmd.Execute(); !errors.As(err, &ae) {
			t.Errorf("docker build %q error = %v, want an arguments error", args, err)
		}
	}
}

func TestBuildRejectsContextsItCannotRead(t *testing.T) {
	tests := map[string]string{
		"-":                             "standard input is not supported",
		"https://github.com/x/y.git":    "remote build contexts",
		"/nonexistent/dockyard-context": `path "/nonexistent/dockyard-context" not found`,
	}
	for ctxArg, want := range tests {
		ios, _, _, _ := iostreams.Test()
		err := buildRun(context.Background(), &BuildOptions{IO: ios, Context: ctxArg})
		var se *factory.StatusError
		if !errors.As(err, &se) || se.Code != 1 || !contains(se.Message, want) {
			t.Errorf("docker build %s = %v, want exit 1 with %q", ctxArg, err, want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestBuilderPruneAsksFirst(t *testing.T) {
	ios, in, out, _ := iostreams.Test()
	in.WriteString("n\n")
	called := false
	err := pruneRun(context.Background(), &PruneOptions{IO: ios, Engine: func(context.Context) (*engine.Engine, error) {
		called = true
		return nil, errors.New("no engine in this test")
	}})
	if err != nil || called {
		t.Errorf("prune answered n: err %v, engine opened %v; want nothing done", err, called)
	}
	if !strings.Contains(out.String(), "Are you sure you want to continue? [y/N]") {
		t.Errorf("prune prompt = %q", out.String())
	}
}
