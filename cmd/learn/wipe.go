package learn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// removeMade removes from Dockyard's engine what was created with the
// label key=value (sandbox/scope): what one step or lesson made, for
// `dockyard reset`. Without root there is no engine of the student's to
// empty, and nothing is done.
func removeMade(ctx context.Context, f *factory.Factory, key, value string) error {
	e, err := f.Engine(ctx)
	if errors.Is(err, engine.ErrNeedsRoot) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = e.RemoveLabelled(ctx, key, value)
	return err
}

// wipeEngine removes every container, user network and volume from
// Dockyard's engine at root, for `dockyard reset --all`; images stay, since
// baking them is slow. It goes through this binary's own docker command
// line, the surface the lessons use, rather than the engine's internals.
// Pre-defined networks refuse removal and are skipped.
func wipeEngine(ctx context.Context, root string) (containers, networks, volumes int, err error) {
	exe, err := os.Executable()
	if err != nil {
		return 0, 0, 0, err
	}
	docker := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, exe, append([]string{"--root", root, "docker"}, args...)...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("docker %s: %s", strings.Join(args, " "), strings.TrimSpace(errOut.String()))
		}
		return out.String(), nil
	}
	ids, err := docker("ps", "-aq")
	if err != nil {
		return 0, 0, 0, err
	}
	if list := strings.Fields(ids); len(list) > 0 {
		if _, err := docker(append([]string{"rm", "-f", "-v"}, list...)...); err != nil {
			return 0, 0, 0, err
		}
		containers = len(list)
	}
	nets, err := docker("network", "ls", "-q")
	if err != nil {
		return containers, 0, 0, err
	}
	for _, id := range strings.Fields(nets) {
		if _, err := docker("network", "rm", id); err == nil {
			networks++
		}
	}
	vols, err := docker("volume", "ls", "-q")
	if err != nil {
		return containers, networks, 0, err
	}
	for _, name := range strings.Fields(vols) {
		if _, err := docker("volume", "rm", name); err != nil {
			return containers, networks, volumes, err
		}
		volumes++
	}
	return containers, networks, volumes, nil
}
