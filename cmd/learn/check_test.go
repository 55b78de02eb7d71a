package learn

import (
	"context"
	"testing"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/fake"
	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// TestLazyEngineRecords: build and vm checks read Dockyard's records
// through the engine dockyard check opens on first use (every build and
// vm check errored with "this engine keeps no record" for a student),
// and an engine without records still makes them checks that cannot be
// made.
func TestLazyEngineRecords(t *testing.T) {
	zero := 0
	withRecords := &fake.Engine{
		Build: &checker.Build{Tags: []string{"shop:latest"}, Steps: []checker.BuildStep{{Instruction: "RUN sh install-deps.sh", Cached: true}}},
		VM:    &checker.VMRun{Command: []string{"uname", "-r"}, ExitCode: &zero, GuestKernel: "6.1.0", HostKernel: "6.18.0", KernelDiffersFromHost: true},
	}
	for _, tc := range []struct {
		name   string
		engine checker.Engine
		want   checker.Status
	}{
		{"dockyard's records", withRecords, checker.Pass},
		{"an engine without records", struct{ checker.Engine }{withRecords}, checker.Error},
	} {
		saved := DockyardEngine
		DockyardEngine = func(context.Context, *factory.Factory) (checker.Engine, error) { return tc.engine, nil }
		for _, src := range []string{"build: last\ntag: shop\ncached: [RUN]", "vm: last-run\nexit_code: 0\nkernel_differs_from_host: true"} {
			env := checker.Env{Engine: &lazyEngine{ctx: context.Background(), spec: "dockyard"}, Lang: "en", NoRetry: true}
			got := checker.Evaluate(context.Background(), env, checker.ParseAll([]checker.Block{{Source: src, File: "l.md"}})).Tests[0]
			if got.Status != tc.want {
				t.Errorf("%s: %q = %s %q, want %s", tc.name, src, got.Status, got.Message, tc.want)
			}
		}
		DockyardEngine = saved
	}
}
