package network

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The state is kept in files of two kinds, so that a container's start
// and end write only its own small record, and only what must survive a
// host crash is fsynced:
//
//	state.json          the networks' definitions (fsynced)
//	configs/<id>.json   a container's Config, from create to rm (fsynced)
//	leases/<id>.json    a running container's Sandbox and Endpoints
//	ipam.json           where each network's IPAM continues (NextIP)
//
// Leases and ipam.json are written without fsync (still a temporary file
// renamed over the record, so readers never see half of it): a host crash
// ends every container, so what they held is stale anyway, and Reconcile
// removes it; one cut short by the crash is read as absent. A removed
// config is not fsynced either: one that comes back belongs to a removed
// container, which ForgetGone drops. A `docker run --rm` on a bridge
// fsyncs once (its config at create) instead of three rewrites of one
// file holding everything.
//
// A state.json of the earlier format also holds the endpoints, sandboxes
// and configs; they are read from it (a record file wins), and the first
// update moves them into their files.
const (
	configsDir = "configs"
	leasesDir  = "leases"
	ipamFile   = "ipam.json"
)

// lease is a running container's share of the state, its leases file.
type lease struct {
	Sandbox   *Sandbox    `json:"sandbox,omitempty"`
	Endpoints []*Endpoint `json:"endpoints,omitempty"`
}

// files are the encoded records of a state, by path relative to the store's
// directory, each with whether its write must be fsynced.
type files map[string]record

type record struct {
	data []byte
	sync bool
}

func configPath(cid string) string { return filepath.Join(configsDir, cid+".json") }
func leasePath(cid string) string  { return filepath.Join(leasesDir, cid+".json") }

// encode splits st into its files.
func encode(st *state) (files, error) {
	out := files{}
	put := func(path string, v any, sync bool) error {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("encode network state: %w", err)
		}
		out[path] = record{data: b, sync: sync}
		return nil
	}
	defs := map[string]*Network{}
	next := map[string]netip.Addr{}
	for id, n := range st.Networks {
		d := *n
		d.NextIP = netip.Addr{}
		defs[id] = &d
		if n.NextIP.IsValid() {
			next[id] = n.NextIP
		}
	}
	if err := put("state.json", struct {
		Networks map[string]*Network `json:"networks"`
	}{defs}, true); err != nil {
		return nil, err
	}
	if len(next) > 0 {
		if err := put(ipamFile, next, false); err != nil {
			return nil, err
		}
	}
	for cid, c := range st.Configs {
		if err := put(configPath(cid), c, true); err != nil {
			return nil, err
		}
	}
	leases := map[string]*lease{}
	leaseOf := func(cid string) *lease {
		if leases[cid] == nil {
			leases[cid] = &lease{}
		}
		return leases[cid]
	}
	for cid, sb := range st.Sandboxes {
		leaseOf(cid).Sandbox = sb
	}
	for _, ep := range st.Endpoints {
		l := leaseOf(ep.Container)
		l.Endpoints = append(l.Endpoints, ep)
	}
	for cid, l := range leases {
		sort.Slice(l.Endpoints, func(i, j int) bool { return l.Endpoints[i].ID < l.Endpoints[j].ID })
		if err := put(leasePath(cid), l, false); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// readState reads the state from the store's files: every record, or,
// with only set, state.json and the records of that one container.
// It also returns the files' bytes as read, for update to compare.
func (s *Store) readState(only string) (*state, files, error) {
	st := newState()
	raw := files{}
	b, err := os.ReadFile(s.statePath())
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, nil, fmt.Errorf("read network state: %w", err)
	default:
		// The earlier format's endpoints, sandboxes and configs come
		// with it.
		if err := json.Unmarshal(b, st); err != nil {
			return nil, nil, &DamagedStateError{Path: s.statePath(), Err: err}
		}
		raw["state.json"] = record{data: b}
	}
	// A field written as null by hand leaves its map nil.
	empty := newState()
	if st.Networks == nil {
		st.Networks = empty.Networks
	}
	if st.Endpoints == nil {
		st.Endpoints = empty.Endpoints
	}
	if st.Sandboxes == nil {
		st.Sandboxes = empty.Sandboxes
	}
	if st.Configs == nil {
		st.Configs = empty.Configs
	}
	if b, err := os.ReadFile(filepath.Join(s.dir, ipamFile)); err == nil {
		raw[ipamFile] = record{data: b}
		var next map[string]netip.Addr
		// Unsynced: one a host crash cut short only restarts the pools.
		if json.Unmarshal(b, &next) == nil {
			for id, a := range next {
				if n := st.Networks[id]; n != nil {
					n.NextIP = a
				}
			}
		}
	}
	configs, err := s.recordNames(configsDir, only)
	if err != nil {
		return nil, nil, err
	}
	for _, cid := range configs {
		path := filepath.Join(s.dir, configPath(cid))
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue // removed since the directory was read
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read network config: %w", err)
		}
		var c Config
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, nil, &DamagedStateError{Path: path, Err: err}
		}
		raw[configPath(cid)] = record{data: b}
		st.Configs[cid] = &c
	}
	leases, err := s.recordNames(leasesDir, only)
	if err != nil {
		return nil, nil, err
	}
	for _, cid := range leases {
		b, err := os.ReadFile(filepath.Join(s.dir, leasePath(cid)))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read network lease: %w", err)
		}
		raw[leasePath(cid)] = record{data: b}
		var l lease
		if json.Unmarshal(b, &l) != nil {
			// Unsynced, so cut short only by a host crash, after which
			// the container no longer runs: read as gone (update
			// removes it).
			continue
		}
		// The file is the container's whole lease: what the earlier
		// format held for it gives way.
		for id, ep := range st.Endpoints {
			if ep.Container == cid {
				delete(st.Endpoints, id)
			}
		}
		delete(st.Sandboxes, cid)
		if l.Sandbox != nil {
			st.Sandboxes[cid] = l.Sandbox
		}
		for _, ep := range l.Endpoints {
			st.Endpoints[ep.ID] = ep
		}
	}
	if only != "" {
		// What the earlier format held for other containers is not read
		// here: drop it, so the result is the same in both formats.
		for id, ep := range st.Endpoints {
			if ep.Container != only {
				delete(st.Endpoints, id)
			}
		}
		for cid := range st.Sandboxes {
			if cid != only {
				delete(st.Sandboxes, cid)
			}
		}
		for cid := range st.Configs {
			if cid != only {
				delete(st.Configs, cid)
			}
		}
	}
	return st, raw, nil
}

// recordNames lists the container ids of a records directory, or only
// the one given (whether or not its file exists).
func (s *Store) recordNames(dir, only string) ([]string, error) {
	if only != "" {
		return []string{only}, nil
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read network state: %w", err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".json") {
			continue // a write under way or cut short
		}
		out = append(out, strings.TrimSuffix(name, ".json"))
	}
	return out, nil
}

// writeChanged writes the files of after that differ from before, the ones
// to fsync first, then state.json, and last removes the records before had
// and after has not. A crash part-way leaves records that state.json's
// earlier format also holds (read as one), a lease or config of a
// container that is gone (removed by Reconcile and ForgetGone), or an
// address cursor behind.
func (s *Store) writeChanged(before, after files) error {
	paths := make([]string, 0, len(after))
	for p := range after {
		paths = append(paths, p)
	}
	sort.Slice(paths, func(i, j int) bool {
		// state.json last: in the earlier format it still holds what
		// the record files now take over.
		return paths[j] == "state.json" && paths[i] != "state.json"
	})
	for _, p := range paths {
		r := after[p]
		if b, ok := before[p]; ok && bytes.Equal(b.data, r.data) {
			continue
		}
		if err := writeFile(filepath.Join(s.dir, p), r.data, r.sync); err != nil {
			return fmt.Errorf("write network state: %w", err)
		}
	}
	var errs []error
	for p := range before {
		if _, ok := after[p]; !ok {
			if err := os.Remove(filepath.Join(s.dir, p)); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("write network state: %w", err)
	}
	return nil
}

// writeFile replaces path with data atomically: a temporary file in the
// same directory (".<name>" and a random suffix, which readers skip and
// removeCutShortWrites removes), fsynced when sync, renamed over path.
func writeFile(path string, data []byte, sync bool) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"*")
	if errors.Is(err, os.ErrNotExist) {
		// Its directory went with a reset (Teardown) of this store.
		if err = os.MkdirAll(filepath.Dir(path), 0o711); err == nil {
			f, err = os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"*")
		}
	}
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o600)
	}
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name()) //nolint:errcheck // best effort: readers skip it, the next update removes it
	}
	return err
}

// cutShortWrites match the temporary files of writeFile (and of renameio,
// which wrote state.json before), relative to the store's directory.
var cutShortWrites = []string{".state.json*", "." + ipamFile + "*", filepath.Join(configsDir, ".*"), filepath.Join(leasesDir, ".*")}

// Records is the network store's state as statecheck reads it.
type Records struct {
	Networks  map[string]*Network  // by ID
	Endpoints map[string]*Endpoint // by ID
	Sandboxes map[string]*Sandbox  // by container ID
	Configs   map[string]*Config   // by container ID
}

// ReadRecords reads the network state of a state root without opening
// (and so creating) its store; a root without one has no records.
func ReadRecords(root string) (*Records, error) {
	s := &Store{dir: filepath.Join(root, "networks")}
	st, _, err := s.readState("")
	if err != nil {
		return nil, err
	}
	return &Records{Networks: st.Networks, Endpoints: st.Endpoints, Sandboxes: st.Sandboxes, Configs: st.Configs}, nil
}
