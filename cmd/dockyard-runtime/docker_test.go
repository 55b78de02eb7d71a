package main

import (
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

// The docker command lines this binary runs for dockyard end as they do in
// dockyard (cmd/dockyard/main_test.go has the same cases).
func TestRunDockerExitCodes(t *testing.T) {
	tests := []struct {
		argv       []string
		wantCode   int
		wantStderr string
	}{
		{[]string{"dockyard", "docker", "--bogus"}, 125, "Run 'docker --help' for more information"},
		{[]string{"/usr/local/bin/docker", "--bogus"}, 125, "unknown flag: --bogus"},
		{[]string{"docker", "run", "--bogus", "busybox"}, 125, "Run 'docker run --help' for more information"},
		{[]string{"docker", "pull"}, 1, "docker: 'docker pull' requires 1 argument\n"},
		{[]string{"docker", "ps", "--filter", "color=blue"}, 1, "invalid filter 'color=blue'"},
	}
	for _, tt := range tests {
		ios, _, _, errOut := iostreams.Test()
		f := &factory.Factory{IOStreams: ios, Root: t.TempDir(), Version: "test"}
		if code := runDocker(f, tt.argv); code != tt.wantCode || !strings.Contains(errOut.String(), tt.wantStderr) {
			t.Errorf("runDocker(%q) = %d, stderr %q; want %d and %q", tt.argv, code, errOut, tt.wantCode, tt.wantStderr)
		}
	}
	if !isDocker([]string{"dockyard", "docker", "ps"}) || !isDocker([]string{"/x/docker", "ps"}) || isDocker([]string{"dockyard", "learn"}) {
		t.Errorf("isDocker does not pick docker command lines")
	}
}
