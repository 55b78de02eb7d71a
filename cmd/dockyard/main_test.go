package main

import (
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

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
