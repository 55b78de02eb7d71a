package dockerapi_test

import (
	"testing"

	"github.com/dockyard-lab/dockyard/checker/checkertest"
)

// BenchmarkLessonCheck: a whole 8-check step against podman's compat API.
func BenchmarkLessonCheck(b *testing.B) {
	checkertest.BenchLessonCheck(b, checkertest.StartPodman(b))
}
