package dockerapi_test

import (
	"testing"

	"github.com/dockyard-lab/dockyard/checker/checkertest"
)

// TestPodmanCompatAPI runs the shared suite against podman's
// Docker-compatible API: the checker on real containers, namespaces and
// published ports.
func TestPodmanCompatAPI(t *testing.T) {
	checkertest.Run(t, checkertest.StartPodman(t))
}
