package shell

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunUsesDockerFromBin(t *testing.T) {
	// A stand-in "dockyard" binary: a script that prints its name and args.
	exe := filepath.Join(t.TempDir(), "fake-dockyard")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\necho \"$(basename \"$0\") $*\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	bin, err := NewBin(exe)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { bin.Close() })
	var out bytes.Buffer
	err = Run(context.Background(), Script{
		Source: "docker ps -a\ndockyard check\n",
		Env:    bin.Env([]string{"PATH=/usr/bin:/bin", "HOME=/tmp"}, "DOCKYARD_STEP=x"),
		Stdout: &out, Stderr: &out,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "docker ps -a\ndockyard check\n"; got != want {
		t.Errorf("output = %q, want %q", got, want)
	}
	bin.Close()
	if _, err := os.Stat(bin.Dir); !os.IsNotExist(err) {
		t.Errorf("Close() left %s behind", bin.Dir)
	}
}

func TestRunStopsAtFirstFailure(t *testing.T) {
	var out bytes.Buffer
	err := Run(context.Background(), Script{Source: "echo one\nfalse\necho two\n", Stdout: &out})
	if err == nil || !strings.Contains(err.Error(), "exit status 1") {
		t.Errorf("Run() error = %v, want exit status 1", err)
	}
	if out.String() != "one\n" {
		t.Errorf("output = %q, want only the commands before the failure", out.String())
	}
}

func TestEnvReplacesPathAndExtras(t *testing.T) {
	b := &Bin{Dir: "/b"}
	got := b.Env([]string{"A=1", "PATH=/usr/bin", "PS1=x"}, "PS1=y")
	want := []string{"A=1", "PATH=/b:/usr/bin", "PS1=y"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("Env() = %v, want %v", got, want)
	}
}
