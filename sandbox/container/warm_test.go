package container

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/profiles/seccomp"
	"github.com/opencontainers/runc/libcontainer/specconv"
)

// TestWarmUpBuildsTheStartsEncoders: after warmUp, the first encoding of a
// container's libcontainer config and of its record in a process reuses
// what warmUp built, so it allocates a fraction of what it costs a process
// without it. Each side runs in a fresh process (this test binary again):
// encoding/json's caches live as long as the process.
func TestWarmUpBuildsTheStartsEncoders(t *testing.T) {
	if mode := os.Getenv("DOCKYARD_TEST_WARM_UP"); mode != "" {
		if mode == "warm" {
			warmUp()
		}
		n, err := firstEncodingAllocs()
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		fmt.Println(n)
		os.Exit(0)
	}
	cold, warm := encodingAllocs(t, "cold"), encodingAllocs(t, "warm")
	t.Logf("first encoding: %d allocations in a fresh process, %d after warmUp", cold, warm)
	if warm*4 > cold {
		t.Errorf("first encoding after warmUp allocates %d times, a fresh process %d: want under a quarter", warm, cold)
	}
}

func encodingAllocs(t *testing.T, mode string) uint64 {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWarmUpBuildsTheStartsEncoders$")
	cmd.Env = append(os.Environ(), "DOCKYARD_TEST_WARM_UP="+mode)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s process: %v\n%s", mode, err, out)
	}
	n, err := strconv.ParseUint(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		t.Fatalf("%s process said %q", mode, out)
	}
	return n
}

// firstEncodingAllocs encodes what a start encodes, libcontainer's config
// of runc's example spec with Docker's seccomp profile and a container
// record, and returns the allocations that took.
func firstEncodingAllocs() (uint64, error) {
	spec := specconv.Example()
	spec.Root.Path = "/"
	prof, err := seccomp.GetDefaultProfile(spec)
	if err != nil {
		return 0, err
	}
	spec.Linux.Seccomp = prof
	cfg, err := libcontainerConfig("warm", spec)
	if err != nil {
		return 0, err
	}
	rec := &Container{ID: "warm", Spec: Spec{LowerDirs: []string{"/"}}}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for _, v := range []any{cfg, rec} {
		if _, err := json.Marshal(v); err != nil {
			return 0, err
		}
	}
	runtime.ReadMemStats(&after)
	return after.Mallocs - before.Mallocs, nil
}
