// Package statecheck is Dockyard's fsck: it reads a state root's stores
// (images, containers, networks, volumes) and the host objects named after
// the root (mounts, cgroups, veths and bridges, the nftables table) and
// reports every broken invariant at once, each as one Problem that names the
// object and the fix. Repair fixes the problems that are safe to fix
// (`dockyard doctor --state --repair`); the rest need a person's decision,
// such as removing a container whose image layers are gone.
//
// The checker reads what the stores write; it never takes a store's lock for
// long and repairs through the stores' own operations (the network store's
// Reconcile, the container store's reading of a dead monitor, image GC), so a
// repair does what the engine would do at its next start-up.
package statecheck

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"
)

// Problem is one broken invariant.
type Problem struct {
	// Object names what is wrong: `container 1a2b3c4d5e6f (web)`,
	// `image busybox:latest`, `mount /var/lib/dockyard/...`.
	Object string
	// What says what is wrong with it.
	What string
	// Fix is what a person runs to fix it.
	Fix string
	// repair fixes it safely; nil when only a person can decide.
	repair func(ctx context.Context) error
	// shared names a repair that fixes many problems at once (one
	// network reconcile removes every leftover veth): it runs once.
	shared string
}

// Repairable reports whether Repair can fix p.
func (p Problem) Repairable() bool { return p.repair != nil }

func (p Problem) String() string {
	return fmt.Sprintf("%s: %s (%s)", p.Object, p.What, p.Fix)
}

// Options tune a check.
type Options struct {
	// TempAge is how old a temporary file of an atomic write must be to
	// count as left over; a younger one may be a write under way. Zero
	// means every one counts (nothing else runs on the root).
	TempAge time.Duration
}

// DefaultOptions are those of `dockyard doctor --state` on a live machine.
var DefaultOptions = Options{TempAge: 10 * time.Second}

// repairHint is the Fix of a problem Repair fixes.
const repairHint = "dockyard doctor --state --repair"

// Check reads the state root and returns every problem it finds, sorted by
// object. An error means the root could not be read at all.
func Check(ctx context.Context, root string, opts Options) ([]Problem, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	c := &checker{root: root, opts: opts}
	if err := c.load(); err != nil {
		return nil, err
	}
	for _, check := range []func(context.Context){
		c.images, c.containers, c.networks, c.volumes, c.mounts, c.cgroups, c.tempFiles,
	} {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		check(ctx)
	}
	sort.SliceStable(c.problems, func(i, j int) bool { return c.problems[i].Object < c.problems[j].Object })
	return c.problems, nil
}

// Repair fixes the repairable problems, each once, and returns how many it
// fixed. Several problems may share one repair (one network reconcile fixes
// every leftover veth), which then runs once.
func Repair(ctx context.Context, problems []Problem) (int, error) {
	var errs []error
	fixed := 0
	done := map[string]error{}
	for _, p := range problems {
		if p.repair == nil {
			continue
		}
		err, ran := done[p.shared]
		if p.shared == "" || !ran {
			err, ran = p.repair(ctx), false
			if p.shared != "" {
				done[p.shared] = err
			}
		}
		if err != nil {
			if !ran {
				errs = append(errs, fmt.Errorf("%s: %w", p.Object, err))
			}
			continue
		}
		fixed++
	}
	return fixed, errors.Join(errs...)
}

func (c *checker) add(object, what, fix string, repair func(context.Context) error) {
	c.addShared(object, what, fix, "", repair)
}

func (c *checker) addShared(object, what, fix, shared string, repair func(context.Context) error) {
	if repair != nil && fix == "" {
		fix = repairHint
	}
	c.problems = append(c.problems, Problem{Object: object, What: what, Fix: fix, repair: repair, shared: shared})
}
