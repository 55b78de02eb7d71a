package main

import (
	"context"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/dockyard"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/learn"
)

// The checker reads Dockyard's own engine through checker/dockyard; `dockyard
// check` (cmd/learn) finds it through this hook.
func init() { learn.DockyardEngine = checkerEngine }

func checkerEngine(ctx context.Context, f *factory.Factory) (checker.Engine, error) {
	e, err := f.Engine(ctx)
	if err != nil {
		return nil, err
	}
	return dockyard.New(e), nil
}
