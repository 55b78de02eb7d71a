package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

// paths lists every command under c as the words a user types after
// "dockyard", fully built.
func paths(c *cobra.Command, prefix []string, out *[][]string) {
	for _, sub := range c.Commands() {
		p := append(append([]string(nil), prefix...), sub.Name())
		*out = append(*out, p)
		paths(sub, p, out)
	}
}

func helpOf(t *testing.T, expandAll bool, words []string) string {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &factory.Factory{IOStreams: ios, Root: "/nonexistent/dockyard-root", Version: "test"}
	root := NewCmdRoot(f)
	if expandAll {
		cli.ExpandAll(root)
	}
	argv := append(append([]string{"dockyard"}, words...), "--help")
	if code := cli.Run(f, root, argv); code != 0 {
		t.Fatalf("run(%q) = %d, want 0 (stderr %q)", argv, code, errOut)
	}
	return out.String()
}

// TestLazyTreeHelp: a tree whose subcommands are built only on the path of
// the command line (cli.Lazy) shows every command's help exactly as the
// fully built tree does, and has every command.
func TestLazyTreeHelp(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	full := NewCmdRoot(&factory.Factory{IOStreams: ios, Root: t.TempDir(), Version: "test"})
	cli.ExpandAll(full)
	var all [][]string
	paths(full, nil, &all)
	have := map[string]bool{}
	for _, p := range all {
		have[strings.Join(p, " ")] = true
	}
	for _, want := range []string{"docker run", "docker container run", "docker container ls", "docker image ls", "docker network create", "docker volume prune", "progress", "learn"} {
		if !have[want] {
			t.Errorf("command %q missing from the fully built tree", want)
		}
	}
	for _, p := range all {
		if p[len(p)-1] == "compose" { // runs the Docker Compose plugin
			continue
		}
		lazy, eager := helpOf(t, false, p), helpOf(t, true, p)
		if lazy != eager {
			t.Errorf("dockyard %s --help differs when built lazily:\n%s\nwant:\n%s", strings.Join(p, " "), lazy, eager)
		}
	}
}

// TestLazyTreeBuildsOnlyThePath: a command line outside docker builds no
// docker subcommand, and `docker run` does not build `docker container`'s.
func TestLazyTreeBuildsOnlyThePath(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	f := &factory.Factory{IOStreams: ios, Root: t.TempDir(), Version: "test"}
	root := NewCmdRoot(f)
	cli.Expand(root, []string{"progress"})
	docker, _, err := root.Find([]string{"docker"})
	if err != nil || docker.Name() != "docker" {
		t.Fatalf("Find(docker) = %v, %v", docker, err)
	}
	if !cli.IsLazy(docker) || docker.HasSubCommands() {
		t.Errorf("after `progress`, docker has %d subcommands, want none built", len(docker.Commands()))
	}
	cli.Expand(root, []string{"docker", "run", "--rm", "--network", "none", "busybox", "true"})
	run, _, _ := root.Find([]string{"docker", "run"})
	if run.Name() != "run" {
		t.Fatalf("after expanding docker run, Find found %q", run.CommandPath())
	}
	container, _, _ := root.Find([]string{"docker", "container"})
	if !cli.IsLazy(container) || container.HasSubCommands() {
		t.Errorf("after `docker run`, docker container has %d subcommands, want none built", len(container.Commands()))
	}
	cli.Expand(root, []string{"help", "docker", "container", "ls"})
	if ls, _, _ := root.Find([]string{"docker", "container", "ls"}); ls.Name() != "ls" {
		t.Errorf("`help docker container ls` did not build docker container ls (found %q)", ls.CommandPath())
	}
}

// TestCompletionCommand: cobra's `completion` command is built for the
// command lines that can reach it (help lists it, it runs, shells complete
// it) and not for one that names another command.
func TestCompletionCommand(t *testing.T) {
	if help := helpOf(t, false, nil); !strings.Contains(help, "completion") {
		t.Errorf("dockyard --help does not list completion:\n%s", help)
	}
	for _, argv := range [][]string{{"dockyard", "completion", "bash"}, {"dockyard", "__complete", "completion", ""}} {
		ios, _, out, errOut := iostreams.Test()
		f := &factory.Factory{IOStreams: ios, Root: t.TempDir(), Version: "test"}
		if code := cli.Run(f, NewCmdRoot(f), argv); code != 0 || !strings.Contains(out.String(), "bash") {
			t.Errorf("run(%q) = %d, stdout %.80q, stderr %q; want 0 and bash", argv, code, out, errOut)
		}
	}
	ios, _, _, _ := iostreams.Test()
	f := &factory.Factory{IOStreams: ios, Root: t.TempDir(), Version: "test"}
	root := NewCmdRoot(f)
	cli.Run(f, root, []string{"dockyard", "version"})
	for _, c := range root.Commands() {
		if c.Name() == "completion" {
			t.Errorf("dockyard version built the completion command")
		}
	}
}
