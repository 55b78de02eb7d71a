package main

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
)

// TestMain runs the tests as a new English-reading student: no language
// kept from this machine's own lessons (the progress file's), no Korean
// locale. Tests of another language set it themselves (cleanLocale).
func TestMain(m *testing.M) {
	state, err := os.MkdirTemp("", "dockyard-main-test-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_STATE_HOME", state)
	os.Setenv("SUDO_USER", "")
	for _, v := range []string{i18n.LangEnv, "LC_ALL", "LC_MESSAGES"} {
		os.Unsetenv(v)
	}
	os.Setenv("LANG", "C.UTF-8")
	code := m.Run()
	os.RemoveAll(state)
	os.Exit(code)
}

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		argv       []string
		wantCode   int
		wantStderr string
		wantStdout string
	}{
		{"version", []string{"dockyard", "version"}, 0, "", "dockyard test"},
		{"unknown flag under docker is 125", []string{"dockyard", "docker", "--bogus"}, 125,
			"unknown flag: --bogus\n\nUsage:  docker [OPTIONS] COMMAND\n\nRun 'docker --help' for more information\n", ""},
		{"a missing argument is 1, with the usage line", []string{"docker", "exec", "box"}, 1,
			"docker: 'docker exec' requires at least 2 arguments\n\nUsage:  docker exec [OPTIONS] CONTAINER COMMAND [ARG...]\n\nSee 'docker exec --help' for more information\n", ""},
		{"an argument too many is 1", []string{"docker", "ps", "web"}, 1,
			"docker: 'docker ps' accepts no arguments\n\nUsage:  docker ps [OPTIONS]\n\nRun 'docker ps --help' for more information\n", ""},
		{"docker symlink speaks docker", []string{"/usr/local/bin/docker", "--bogus"}, 125, "unknown flag: --bogus", ""},
		{"unknown flag elsewhere is 2", []string{"dockyard", "version", "--bogus"}, 2, "Run 'dockyard version --help' for more information", ""},
		{"unknown command", []string{"dockyard", "nosuch"}, 1, `unknown command "nosuch"`, ""},
		{"a typo in a dockyard subcommand names the fix", []string{"dockyard", "registry", "strat"}, 1,
			"Error: unknown command \"strat\" for \"dockyard registry\"\n\nDid you mean this?\n\tstart\n", ""},
		{"a typo in a docker command names the fix", []string{"docker", "nework", "ls"}, 1,
			"docker: unknown command: docker nework\n\nDid you mean this?\n\tnetwork\n\nRun 'docker --help' for more information\n", ""},
		{"a Docker command Dockyard leaves out says so and what to do instead", []string{"docker", "pause", "web"}, 1,
			"docker: 'docker pause' is a Docker command that Dockyard does not have: stop it with docker stop and start it again with docker start\n", ""},
		{"a typo in a docker subcommand", []string{"docker", "network", "lss"}, 1,
			"docker: unknown command: docker network lss\n\nUsage:  docker network\n\nDid you mean this?\n\tls\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, out, errOut := iostreams.Test()
			f := &factory.Factory{IOStreams: ios, Root: t.TempDir(), Version: "test"}
			code := run(f, tt.argv)
			if code != tt.wantCode {
				t.Errorf("run(%q) = %d, want %d (stderr %q)", tt.argv, code, tt.wantCode, errOut)
			}
			if !strings.Contains(errOut.String(), tt.wantStderr) {
				t.Errorf("run(%q) stderr = %q, want it to contain %q", tt.argv, errOut, tt.wantStderr)
			}
			if !strings.Contains(out.String(), tt.wantStdout) {
				t.Errorf("run(%q) stdout = %q, want it to contain %q", tt.argv, out, tt.wantStdout)
			}
		})
	}
}

// TestTypoSuggestsTheCommand mistypes a subcommand of every command group
// of the tree (two letters swapped, as in `dockyard registry strat`): each
// exits 1 with "unknown command" and cobra's "Did you mean this?" naming
// the subcommand, in dockyard's words outside `docker` and Docker's inside.
func TestTypoSuggestsTheCommand(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	root := NewCmdRoot(&factory.Factory{IOStreams: ios, Root: t.TempDir(), Version: "test"})
	cli.ExpandAll(root)
	type typo struct {
		argv       []string
		want, path string
	}
	var tests []typo
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		var subs []*cobra.Command
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() {
				subs = append(subs, s)
			}
		}
		if len(subs) == 0 {
			return
		}
		for _, s := range subs {
			name := []rune(s.Name())
			name[0], name[1] = name[1], name[0]
			if isSubcommand(c, string(name)) {
				continue // the swap is a command too
			}
			tests = append(tests, typo{append(strings.Fields(c.CommandPath()), string(name)), s.Name(), c.CommandPath()})
			break
		}
		for _, s := range subs {
			walk(s)
		}
	}
	walk(root)
	groups := map[string]bool{}
	for _, tt := range tests {
		groups[tt.path] = true
	}
	for _, g := range []string{"dockyard", "dockyard registry", "dockyard vm", "dockyard author", "dockyard images",
		"dockyard docker", "dockyard docker network"} {
		if !groups[g] {
			t.Errorf("no typo tried under %q (groups %v)", g, groups)
		}
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			ios, _, _, errOut := iostreams.Test()
			f := &factory.Factory{IOStreams: ios, Root: t.TempDir(), Version: "test"}
			if code := run(f, tt.argv); code != 1 {
				t.Errorf("exit code %d, want 1 (stderr %q)", code, errOut)
			}
			typo := tt.argv[len(tt.argv)-1]
			head := fmt.Sprintf("Error: unknown command %q for %q\n", typo, tt.path)
			if cli.IsDocker(tt.path) {
				head = fmt.Sprintf("docker: unknown command: %s %s\n", strings.TrimPrefix(tt.path, "dockyard "), typo)
			}
			if got := errOut.String(); !strings.HasPrefix(got, head) || !strings.Contains(got, "\nDid you mean this?\n\t"+tt.want+"\n") {
				t.Errorf("stderr = %q, want %q and a suggestion of %q", got, head, tt.want)
			}
		})
	}
}

func isSubcommand(c *cobra.Command, name string) bool {
	for _, s := range c.Commands() {
		if s.Name() == name || s.HasAlias(name) {
			return true
		}
	}
	return false
}
