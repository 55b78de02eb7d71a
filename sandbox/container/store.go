package container

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/diskfull"
	"github.com/dockyard-lab/dockyard/sandbox/diskusage"
	"github.com/dockyard-lab/dockyard/sandbox/events"
	"github.com/dockyard-lab/dockyard/sandbox/idindex"
	"github.com/dockyard-lab/dockyard/sandbox/resolvconf"
	"github.com/gofrs/flock"
	"github.com/google/renameio/v2"
)

// Store keeps containers under <root>/containers/<id>/.
type Store struct {
	root   string
	dir    string
	mu     sync.Mutex // the goroutines of this process, before the flock
	events *events.Log
}

// NotFoundError says no container matches a name or id prefix.
type NotFoundError struct{ Ref string }

func (e *NotFoundError) Error() string { return "No such container: " + e.Ref }

// NameInUseError says a name is taken, in Docker's words.
type NameInUseError struct{ Name, ID string }

func (e *NameInUseError) Error() string {
	return fmt.Sprintf("Conflict. The container name \"/%s\" is already in use by container %q. You have to remove (or rename) that container to be able to reuse that name.", e.Name, e.ID)
}

// DamagedError says a container's record cannot be read (a truncated or
// hand-edited container.json). Listings skip such a container; commands
// naming it fail with this error, and `docker rm -f` removes it.
type DamagedError struct {
	ID   string
	Path string
	Err  error
}

func (e *DamagedError) Error() string {
	return fmt.Sprintf("container %s is damaged: its record %s cannot be read; remove it with: docker rm -f %s", shortID(e.ID), e.Path, shortID(e.ID))
}

func (e *DamagedError) Unwrap() error { return e.Err }

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// ErrNotFound matches every *NotFoundError with errors.Is.
var ErrNotFound = errors.New("no such container")

func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Open opens (creating if needed) the container store under root.
func Open(root string) (*Store, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open container store: %w", err)
	}
	dir := filepath.Join(root, "containers")
	if err := os.MkdirAll(dir, 0o711); err != nil {
		return nil, fmt.Errorf("open container store: %w", err)
	}
	return &Store{root: root, dir: dir, events: events.Open(root)}, nil
}

// Root returns the state root the store is under (absolute).
func (s *Store) Root() string { return s.root }

// Dir returns the directory of container id.
func (s *Store) Dir(id string) string { return filepath.Join(s.dir, id) }

func (s *Store) recordPath(id string) string { return filepath.Join(s.Dir(id), "container.json") }

// LogPath returns the path of a container's json-file log.
func (s *Store) LogPath(id string) string { return filepath.Join(s.Dir(id), id+"-json.log") }

// RootfsPath returns where a container's root filesystem is mounted while it runs.
func (s *Store) RootfsPath(id string) string { return filepath.Join(s.Dir(id), "rootfs") }

// HostsPath, HostnamePath and ResolvConfPath are the files bind-mounted
// over /etc/hosts, /etc/hostname and /etc/resolv.conf; the network hook may
// rewrite them before a start.
func (s *Store) HostsPath(id string) string      { return filepath.Join(s.Dir(id), "hosts") }
func (s *Store) HostnamePath(id string) string   { return filepath.Join(s.Dir(id), "hostname") }
func (s *Store) ResolvConfPath(id string) string { return filepath.Join(s.Dir(id), "resolv.conf") }

func (s *Store) runtimeRoot(id string) string { return filepath.Join(s.Dir(id), "runc") }

// withLock runs fn holding the store's lock: the flock of <dir>/.lock,
// taken on a file description of its own each time. One *flock.Flock
// shared by the store's goroutines excluded other processes only: its
// Lock returns at once when the same Flock already holds the lock, so
// under `dockyard serve` an Update could rewrite a record that a Delete
// had just removed (a container listed again, its rootfs gone).
func (s *Store) withLock(fn func() error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := flock.New(filepath.Join(s.dir, ".lock"))
	if err := l.Lock(); err != nil {
		return fmt.Errorf("lock container store: %w", err)
	}
	defer l.Close()
	return fn()
}

var validName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`) })

// ValidateName checks a container name the way Docker does.
func ValidateName(name string) error {
	if !validName().MatchString(name) {
		return fmt.Errorf("Invalid container name (%s), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed", name)
	}
	return nil
}

// Create records a new container and prepares its directory. Nothing is
// left behind when it fails; a full disk fails with a *diskfull.Error.
func (s *Store) Create(spec Spec) (*Container, error) {
	c, err := s.create(spec)
	if err != nil {
		op := "creating a container"
		if name := strings.TrimPrefix(spec.Name, "/"); name != "" {
			op = "creating container " + name
		}
		return nil, diskfull.Wrap(err, op, s.root)
	}
	return c, nil
}

func (s *Store) create(spec Spec) (*Container, error) {
	spec.Name = strings.TrimPrefix(spec.Name, "/")
	if spec.Name != "" {
		if err := ValidateName(spec.Name); err != nil {
			return nil, err
		}
	}
	if len(spec.LowerDirs) == 0 {
		return nil, errors.New("create container: the image has no layers")
	}
	c := &Container{Created: time.Now().UTC(), Spec: spec, State: State{Status: Created, CreatorPid: os.Getpid()}}
	c.State.CreatorStart, _ = procStartTime(c.State.CreatorPid)
	err := s.withLock(func() error {
		all, err := s.list()
		if err != nil {
			return err
		}
		names := map[string]string{}
		ids := map[string]bool{}
		for _, o := range all {
			names[o.Name] = o.ID
			ids[o.ID] = true
		}
		if spec.Name != "" {
			if id, ok := names[spec.Name]; ok {
				return &NameInUseError{Name: spec.Name, ID: id}
			}
			c.Name = spec.Name
		} else {
			for try := 0; c.Name == "" || names[c.Name] != ""; try++ {
				c.Name = GenerateName(try)
			}
		}
		for c.ID == "" || ids[c.ID] || allDigits(c.ID[:12]) {
			c.ID = newID()
		}
		c.Spec.Name = c.Name
		if c.Spec.Config.Hostname == "" {
			c.Spec.Config.Hostname = c.ShortID()
		}
		dir := s.Dir(c.ID)
		if err := s.prepareDir(c); err != nil {
			os.RemoveAll(dir)
			return err
		}
		if err := s.save(c); err != nil {
			os.RemoveAll(dir)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.emit(c, "create", nil)
	return c, nil
}

// allDigits reports whether s is all decimal digits; Docker avoids such
// short ids because they read like numbers.
func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func newID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func (s *Store) prepareDir(c *Container) error {
	dir := s.Dir(c.ID)
	for _, d := range []string{"upper", "work", "rootfs"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return fmt.Errorf("create container directory: %w", err)
		}
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		return err
	}
	// The container's / is the upper dir's root: give it the image's mode
	// and owner, or non-root users could not even reach /bin.
	mode, uid, gid := os.FileMode(0o755), 0, 0
	if fi, err := os.Stat(c.Spec.LowerDirs[0]); err == nil {
		mode = fi.Mode().Perm()
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(st.Uid), int(st.Gid)
		}
	}
	upper := filepath.Join(dir, "upper")
	if err := os.Chmod(upper, mode); err != nil {
		return err
	}
	if err := os.Chown(upper, uid, gid); err != nil {
		return err
	}
	hosts := "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n"
	resolv := defaultResolvConf()
	files := map[string][]byte{
		s.HostsPath(c.ID):      []byte(hosts),
		s.HostnamePath(c.ID):   []byte(c.Spec.Config.Hostname + "\n"),
		s.ResolvConfPath(c.ID): resolv,
		s.LogPath(c.ID):        nil,
	}
	for p, b := range files {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("create container file: %w", err)
		}
	}
	return nil
}

func (s *Store) save(c *Container) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	// The temporary file in the record's own directory: without it,
	// renameio first tries whether /tmp is on the same filesystem (a file
	// created, renamed and removed there on every write), and a crash
	// leaves its temporary file in /tmp rather than in the container's
	// directory, which goes with the container.
	path := s.recordPath(c.ID)
	if err := renameio.WriteFile(path, b, 0o600, renameio.WithTempDir(filepath.Dir(path))); err != nil {
		return fmt.Errorf("save container %s: %w", c.ShortID(), err)
	}
	return nil
}

// saveRunState writes c's record as save does (a temporary file in the same
// directory, renamed over the record, so readers never see half of it) but
// without fsync. It is for the state a monitor records while the container
// starts and runs, which a host crash makes stale anyway: after a reboot no
// monitor is alive, and every reader takes a record whose monitor is gone
// for a stopped container. Each fsync is 1-7 ms on this busy disk, and
// there are two on the path of every start; the record's creation and a
// container's exit stay durable.
func (s *Store) saveRunState(c *Container) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	path := s.recordPath(c.ID)
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"*")
	if err != nil {
		return fmt.Errorf("save container %s: %w", c.ShortID(), err)
	}
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name()) //nolint:errcheck // best effort: a leftover temp file is ignored by readers
		return fmt.Errorf("save container %s: %w", c.ShortID(), err)
	}
	return nil
}

func (s *Store) load(id string) (*Container, error) {
	b, err := os.ReadFile(s.recordPath(id))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &NotFoundError{Ref: id}
		}
		return nil, &DamagedError{ID: id, Path: s.recordPath(id), Err: err}
	}
	var c Container
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, &DamagedError{ID: id, Path: s.recordPath(id), Err: err}
	}
	if c.ID != id {
		return nil, &DamagedError{ID: id, Path: s.recordPath(id), Err: fmt.Errorf("the record names container %q", c.ID)}
	}
	return &c, nil
}

// list reads every readable container record, oldest first; damaged ones
// are skipped (see scan).
func (s *Store) list() ([]*Container, error) {
	out, _, _, err := s.scan()
	return out, err
}

// scan reads every container record, oldest first, and tells apart the
// ones that cannot be read, so that one damaged record does not stop
// every command, and the directories that have no record (being created or
// removed, or left so by a kill).
func (s *Store) scan() ([]*Container, []*DamagedError, []string, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("list containers: %w", err)
	}
	var out []*Container
	var damaged []*DamagedError
	var recordless []string
	for _, e := range entries {
		if !e.IsDir() || len(e.Name()) != 64 {
			continue
		}
		c, err := s.load(e.Name())
		var d *DamagedError
		switch {
		case errors.Is(err, ErrNotFound):
			recordless = append(recordless, e.Name())
			continue
		case errors.As(err, &d):
			damaged = append(damaged, d)
			continue
		case err != nil:
			return nil, nil, nil, err
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, damaged, recordless, nil
}

// Damaged returns the containers whose records cannot be read.
func (s *Store) Damaged() ([]*DamagedError, error) {
	_, damaged, _, err := s.scan()
	return damaged, err
}

// List returns every container, newest first, with the state of any whose
// monitor died corrected to exited. It also removes the directories without
// a record that a create or remove killed half-way left (RemoveLeftover), as
// a daemon would at its start-up.
func (s *Store) List() ([]*Container, error) {
	all, _, leftovers, err := s.scan()
	if err != nil {
		return nil, err
	}
	for _, id := range leftovers {
		_ = s.RemoveLeftover(id) // one being created has its record by then
	}
	s.sweepCutShortWrites(all)
	for i, c := range all {
		if c2, err := s.reconcile(c); err == nil {
			all[i] = c2
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Created.After(all[j].Created) })
	return all, nil
}

// sweepCutShortWrites removes the temporary files that a record write
// killed midway (docker, serve or a monitor, SIGKILLed between creating
// the file and renaming it) left in the containers' directories. Every
// record write holds the store lock, so with the lock taken none is under
// way; while another holds it, a later List sweeps.
func (s *Store) sweepCutShortWrites(all []*Container) {
	l := flock.New(filepath.Join(s.dir, ".lock"))
	if ok, err := l.TryLock(); err != nil || !ok {
		return
	}
	defer l.Close()
	for _, c := range all {
		temps, _ := filepath.Glob(filepath.Join(s.Dir(c.ID), "."+filepath.Base(s.recordPath(c.ID))+"*"))
		for _, t := range temps {
			os.Remove(t) //nolint:errcheck // best effort: readers ignore it, the next List tries again
		}
	}
}

// Get finds a container by full id, name, or unique id prefix, as Docker
// does; an ambiguous prefix is an *idindex.AmbiguousError.
func (s *Store) Get(ref string) (*Container, error) {
	id, err := s.Resolve(ref)
	if err != nil {
		return nil, err
	}
	c, err := s.load(id)
	if err != nil {
		return nil, err
	}
	return s.reconcile(c)
}

// Resolve turns a name or id prefix into a full id.
func (s *Store) Resolve(ref string) (string, error) {
	ref = strings.TrimPrefix(ref, "/")
	if ref == "" {
		return "", &NotFoundError{Ref: ref}
	}
	if len(ref) == 64 {
		if _, err := os.Stat(s.recordPath(ref)); err == nil {
			return ref, nil
		}
	}
	all, damaged, _, err := s.scan()
	if err != nil {
		return "", err
	}
	for _, c := range all {
		if c.Name == ref {
			return c.ID, nil
		}
	}
	ids := make([]string, 0, len(all)+len(damaged))
	for _, c := range all {
		ids = append(ids, c.ID)
	}
	for _, d := range damaged {
		ids = append(ids, d.ID) // a damaged container is still named by its id
	}
	id, err := idindex.Find(ids, ref)
	if errors.Is(err, idindex.ErrNotFound) {
		return "", &NotFoundError{Ref: ref}
	}
	return id, err
}

// Update reads container id, lets fn change it and saves it, under the lock.
func (s *Store) Update(id string, fn func(*Container) error) (*Container, error) {
	return s.update(id, fn, s.save)
}

// updateRunState is Update for the monitor's claim of a container and its
// "running" record, saved without fsync (saveRunState).
func (s *Store) updateRunState(id string, fn func(*Container) error) (*Container, error) {
	return s.update(id, fn, s.saveRunState)
}

func (s *Store) update(id string, fn func(*Container) error, save func(*Container) error) (*Container, error) {
	return s.updateAndEmit(id, fn, save, "", nil)
}

// updateAndEmit is update that also records event action (if not "")
// about the saved container before it lets go of the lock. Wait takes
// the lock once before it returns, so what follows a Wait (docker stop's
// "stop") is recorded after the "die" of the exit it waited for.
func (s *Store) updateAndEmit(id string, fn func(*Container) error, save func(*Container) error, action string, attrs map[string]string) (*Container, error) {
	var out *Container
	err := s.withLock(func() error {
		c, err := s.load(id)
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		out = c
		if err := save(c); err != nil {
			return err
		}
		if action != "" {
			s.emit(c, action, attrs)
		}
		return nil
	})
	return out, err
}

// Rename gives a container a new name.
func (s *Store) Rename(ref, newName string) error {
	newName = strings.TrimPrefix(newName, "/")
	if err := ValidateName(newName); err != nil {
		return err
	}
	id, err := s.Resolve(ref)
	if err != nil {
		return err
	}
	return s.withLock(func() error {
		all, err := s.list()
		if err != nil {
			return err
		}
		for _, o := range all {
			if o.Name == newName {
				if o.ID == id {
					return fmt.Errorf("Renaming a container with the same name as its current name")
				}
				return &NameInUseError{Name: newName, ID: o.ID}
			}
		}
		c, err := s.load(id)
		if err != nil {
			return err
		}
		oldName := c.Name
		c.Name = newName
		c.Spec.Name = newName
		if err := s.save(c); err != nil {
			return err
		}
		// Docker's oldName keeps its daemon's leading slash.
		s.emit(c, "rename", map[string]string{"oldName": "/" + oldName})
		return nil
	})
}

// Delete removes a stopped container's directory (its writable layer and
// logs). The caller has made sure it is not running.
func (s *Store) Delete(id string) error {
	c, err := s.load(id)
	if d := (*DamagedError)(nil); errors.As(err, &d) {
		c, err = &Container{ID: id}, nil // what is on disk can still go
	}
	if err != nil {
		return err
	}
	if isMounted(s.RootfsPath(id)) {
		unmountRootfs(s.RootfsPath(id))
	}
	destroyRuntime(s.runtimeRoot(id), id)
	// Move the record away first, so that a crash half-way leaves no
	// container that looks alive; List removes what such a crash leaves.
	// Under the lock, so that no Update that read the record writes it back
	// after, and List never takes a directory being removed here.
	err = s.withLock(func() error {
		if err := s.removeRecord(c); err != nil {
			return err
		}
		if err := os.RemoveAll(s.Dir(id)); err != nil {
			return fmt.Errorf("remove container %s: %w", c.ShortID(), err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.emit(c, "destroy", nil)
	return nil
}

// forget removes c's record under the store's lock, and records the
// destroy event: from then on no command finds or lists c, and what is
// left of it (runtime state, cgroups, its directory) is a directory
// without a record, which RemoveLeftover removes (List does so for one a
// killed process left).
func (s *Store) forget(c *Container) error {
	err := s.withLock(func() error { return s.removeRecord(c) })
	if err != nil {
		return err
	}
	s.emit(c, "destroy", nil)
	return nil
}

// removeRecord removes c's record (one already gone is no error); the
// caller holds the store's lock.
func (s *Store) removeRecord(c *Container) error {
	if err := os.Remove(s.recordPath(c.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove container %s: %w", c.ShortID(), err)
	}
	return nil
}

// emit records an event about container c, with Docker's attributes: its
// labels, image and name, and extra ones (exitCode for die).
func (s *Store) emit(c *Container, action string, extra map[string]string) {
	attrs := map[string]string{}
	for k, v := range c.Spec.Config.Labels {
		attrs[k] = v
	}
	if c.Spec.Image != "" {
		attrs["image"] = c.Spec.Image
	}
	if c.Name != "" {
		attrs["name"] = c.Name
	}
	for k, v := range extra {
		attrs[k] = v
	}
	s.events.Emit(events.Container, action, c.ID, attrs)
}

// defaultResolvConf is the /etc/resolv.conf a container starts with (the
// network hooks rewrite it for bridge networks): the host's resolvers
// without loopback ones, which the container's own loopback cannot serve,
// and its search domains, as Docker's. The host file is /etc/resolv.conf,
// or the one $DOCKYARD_RESOLV_CONF names (as for the network store).
func defaultResolvConf() []byte {
	path := "/etc/resolv.conf"
	if p := os.Getenv("DOCKYARD_RESOLV_CONF"); p != "" {
		path = p
	}
	cfg, err := resolvconf.Read(path)
	if err != nil {
		return nil
	}
	var b strings.Builder
	for _, ns := range cfg.Nameservers {
		if a, err := netip.ParseAddr(ns); err == nil && !a.IsLoopback() {
			fmt.Fprintf(&b, "nameserver %s\n", ns)
		}
	}
	if len(cfg.Search) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(cfg.Search, " "))
	}
	return []byte(b.String())
}

// WritableSize is the bytes of the files in a container's writable layer
// (Docker's SizeRw): what it changed or added on top of its image.
func (s *Store) WritableSize(id string) int64 {
	return diskusage.Tree(filepath.Join(s.Dir(id), "upper"))
}
