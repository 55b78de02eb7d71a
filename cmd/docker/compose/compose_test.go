package compose

import (
	"slices"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// dockyard's own flags before "docker compose" are taken; Compose's go to
// Compose untouched.
func TestGlobalFlags(t *testing.T) {
	f := &factory.Factory{}
	got := globalFlags(f, []string{"--root", "/tmp/r", "--debug", "--lang=ko", "-p", "demo", "up", "-d"})
	if want := []string{"-p", "demo", "up", "-d"}; !slices.Equal(got, want) || f.Root != "/tmp/r" || !f.Debug || f.Lang != "ko" {
		t.Errorf("globalFlags = %q, root %q, debug %v, lang %q; want %q, /tmp/r, true, ko", got, f.Root, f.Debug, f.Lang, want)
	}
}

// Compose gets DOCKER_HOST at Dockyard's socket and no other context.
func TestComposeEnv(t *testing.T) {
	env := composeEnv([]string{"HOME=/root", "DOCKER_HOST=tcp://elsewhere:2375", "DOCKER_CONTEXT=prod"}, "unix:///tmp/x/docker.sock")
	joined := strings.Join(env, "\n")
	if !strings.Contains(joined, "DOCKER_HOST=unix:///tmp/x/docker.sock") || strings.Contains(joined, "elsewhere") || strings.Contains(joined, "DOCKER_CONTEXT") || !strings.Contains(joined, "HOME=/root") {
		t.Errorf("composeEnv = %q", env)
	}
}
