package network

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/gofrs/flock"
	"github.com/google/renameio/v2"

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
	for _, d := range []string{dir, filepath.Join(dir, "netns"), filepath.Join(dir, "containers")} {
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

// read loads the state without the lock: writes are atomic renames, so a
// reader sees either the old or the new file.
func (s *Store) read() (*state, error) {
	st, _, err := s.readRaw()
	return st, err
}

// readRaw is read, with the file's bytes (nil when there is none yet).
func (s *Store) readRaw() (*state, []byte, error) {
	b, err := os.ReadFile(s.statePath())
	if errors.Is(err, os.ErrNotExist) {
		return newState(), nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read network state: %w", err)
	}
	st := newState()
	if err := json.Unmarshal(b, st); err != nil {
		return nil, nil, &DamagedStateError{Path: s.statePath(), Err: err}
	}
	if st.Configs == nil {
		st.Configs = map[string]*Config{}
	}
	return st, b, nil
}

// DamagedStateError is a state.json that cannot be read (cut short or
// edited by hand). Moving it away is the way out: the store starts again
// with the default networks, and the next network command removes the
// bridges and veths the lost state knew (Reconcile).
type DamagedStateError struct {
	Path string
	Err  error
}

func (e *DamagedStateError) Error() string {
	return fmt.Sprintf("network state %s is damaged (%v); move it away to start again with only the default networks: mv %s %s.damaged", e.Path, e.Err, e.Path, e.Path)
}

func (e *DamagedStateError) Unwrap() error { return e.Err }

func (s *Store) write(st *state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode network state: %w", err)
	}
	if err := renameio.WriteFile(s.statePath(), b, 0o600); err != nil {
		return fmt.Errorf("write network state: %w", err)
	}
	return nil
}

// update runs fn on the state under the store's lock and writes the state
// back when fn succeeds.
func (s *Store) update(ctx context.Context, fn func(*state) error) error {
	unlock, err := s.lockState(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	s.removeCutShortWrites()
	st, b, err := s.readRaw()
	if err != nil {
		return err
	}
	if err := fn(st); err != nil {
		return err
	}
	// Nothing changed (ls, inspect, a check): no write, no fsync.
	if after, err := json.MarshalIndent(st, "", "  "); err == nil && bytes.Equal(after, b) {
		return nil
	}
	return s.write(st)
}

// removeCutShortWrites removes the temporary files of state writes that a
// killed process left (renameio writes ".state.json<n>" and renames it over
// state.json). Only a holder of the lock writes the state, so while the
// caller holds it, any such file is from a writer that is gone.
func (s *Store) removeCutShortWrites() {
	left, _ := filepath.Glob(filepath.Join(s.dir, cutShortWrites))
	for _, p := range left {
		os.Remove(p) //nolint:errcheck // best effort: readers ignore it, the next update tries again
	}
}

// cutShortWrites matches renameio's temporary files of state.json.
const cutShortWrites = ".state.json*"

// hasCutShortWrites reports whether a state write's temporary file is
// there: one a killed writer left, or one a live writer is about to
// rename (update, under the lock, tells them apart).
func (s *Store) hasCutShortWrites() bool {
	left, _ := filepath.Glob(filepath.Join(s.dir, cutShortWrites))
	return len(left) > 0
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

// view runs fn on a snapshot of the state.
func (s *Store) view(fn func(*state) error) error {
	st, err := s.read()
	if err != nil {
		return err
	}
	return fn(st)
}
