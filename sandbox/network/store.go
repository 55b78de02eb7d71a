package network

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/gofrs/flock"

	"github.com/dockyard-lab/dockyard/sandbox/events"
)

// Store is the network state of one state root.
type Store struct {
	root   string // state root
	dir    string // <root>/networks
	prefix string
	events *events.Log
}

// Open returns the network store of the state root, creating its directory.
func Open(root string) (*Store, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("network store: %w", err)
	}
	dir := filepath.Join(root, "networks")
	for _, d := range []string{dir, filepath.Join(dir, "netns"), filepath.Join(dir, "containers"), filepath.Join(dir, configsDir), filepath.Join(dir, leasesDir)} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			return nil, fmt.Errorf("network store: %w", err)
		}
	}
	// Roots deleted without a teardown (a test's temporary root) leave
	// bridges and tables behind: the next store opened removes them.
	collectOrphans()
	return &Store{
		root:   root,
		dir:    dir,
		prefix: Prefix(root),
		events: events.Open(root),
	}, nil
}

// Prefix is the name prefix of this store's bridges, veths and nftables table.
func (s *Store) Prefix() string { return s.prefix }

func (s *Store) statePath() string { return filepath.Join(s.dir, "state.json") }

// read loads the state without the lock: every file is written by an
// atomic rename, so a reader sees each one either old or new (records.go).
func (s *Store) read() (*state, error) {
	st, _, err := s.readState("")
	return st, err
}

// readFor is read with only container cid's records (and every network):
// what a container's start and end need, without reading every other
// container's.
func (s *Store) readFor(cid string) (*state, error) {
	st, _, err := s.readState(cid)
	return st, err
}

// DamagedStateError is a state.json or a container's network config
// that cannot be read (edited by hand, or a damaged disk). Moving it away
// is the way out: without state.json the store starts again with the
// default networks, and the next network command removes the bridges and
// veths the lost state knew (Reconcile); a container without its config
// is refused at start as half made, to be removed and created again.
type DamagedStateError struct {
	Path string
	Err  error
}

func (e *DamagedStateError) Error() string {
	if filepath.Base(e.Path) != "state.json" {
		return fmt.Sprintf("network config %s is damaged (%v); move it away, then remove its container and create it again: mv %s %s.damaged", e.Path, e.Err, e.Path, e.Path)
	}
	return fmt.Sprintf("network state %s is damaged (%v); move it away to start again with only the default networks: mv %s %s.damaged", e.Path, e.Err, e.Path, e.Path)
}

func (e *DamagedStateError) Unwrap() error { return e.Err }

// update runs fn on the state under the store's lock and writes back the
// records fn changed.
func (s *Store) update(ctx context.Context, fn func(*state) error) error {
	unlock, err := s.lockState(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	s.removeCutShortWrites()
	st, before, err := s.readState("")
	if err != nil {
		return err
	}
	if err := fn(st); err != nil {
		return err
	}
	after, err := encode(st)
	if err != nil {
		return err
	}
	// Nothing changed (ls, inspect, a check): no write, no fsync.
	return s.writeChanged(before, after)
}

// removeCutShortWrites removes the temporary files of writes that a
// killed process left (writeFile's). Only a holder of the lock writes
// the state, so while the caller holds it, any such file is from a writer
// that is gone.
func (s *Store) removeCutShortWrites() {
	for _, p := range s.cutShortWrites() {
		os.Remove(p) //nolint:errcheck // best effort: readers ignore it, the next update tries again
	}
}

// hasCutShortWrites reports whether a write's temporary file is there:
// one a killed writer left, or one a live writer is about to rename
// (update, under the lock, tells them apart).
func (s *Store) hasCutShortWrites() bool { return len(s.cutShortWrites()) > 0 }

func (s *Store) cutShortWrites() []string {
	var out []string
	for _, pattern := range cutShortWrites {
		left, _ := filepath.Glob(filepath.Join(s.dir, pattern))
		out = append(out, left...)
	}
	return out
}

// lockState takes the store's flock. Each call opens its own file
// description, so goroutines of one process exclude each other as two
// processes do.
//
// Goroutines of one process first queue on a mutex of the lock file's:
// the kernel wakes flock waiters in no order, and under `dockyard serve`
// with many clients a GET /networks waited behind container creates for
// over two minutes, each waiter also holding an OS thread in flock(2).
// Go's mutex hands the lock over in arrival order once waiters queue.
func (s *Store) lockState(ctx context.Context) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := filepath.Join(s.dir, "lock")
	mu, _ := processLocks.LoadOrStore(path, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	l := flock.New(path)
	if err := l.Lock(); err != nil {
		mu.(*sync.Mutex).Unlock()
		return nil, fmt.Errorf("lock network state: %w", err)
	}
	return func() { l.Close(); mu.(*sync.Mutex).Unlock() }, nil
}

// processLocks holds a mutex per network lock file, for lockState.
var processLocks sync.Map
