// Package volume keeps Dockyard's named volumes (<root>/volumes/<name>/_data,
// as Docker's local driver) and parses -v and --mount. The engine resolves a
// container's mounts to host paths with it; the container store only
// bind-mounts what it is given.
//
// Each volume has a small volume.json beside its _data (written atomically)
// with the containers using it, so a volume in use is never removed. One
// flock guards all of them.
package volume

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/renameio/v2"

	"github.com/dockyard-lab/dockyard/sandbox/diskfull"
	"github.com/dockyard-lab/dockyard/sandbox/diskusage"
	"github.com/dockyard-lab/dockyard/sandbox/events"
)

// Errors callers decide on with errors.Is.
var (
	ErrNotFound = errors.New("no such volume")
	ErrInUse    = errors.New("volume is in use")
)

// ErrDamaged matches a *DamagedError with errors.Is.
var ErrDamaged = errors.New("volume record is damaged")

// DamagedError is a volume whose volume.json cannot be read (cut short or
// edited by hand). List skips such volumes, so one damaged record does not
// stop every other volume command; docker volume rm removes it.
type DamagedError struct {
	Name string
	Path string // its volume.json
	Err  error
}

func (e *DamagedError) Error() string {
	what := fmt.Sprintf("its record %s cannot be read (%v)", e.Path, e.Err)
	if errors.Is(e.Err, fs.ErrNotExist) {
		what = fmt.Sprintf("its data directory %s is missing", e.Path)
	}
	return fmt.Sprintf("volume %s is damaged: %s; remove it with \"docker volume rm %s\"", e.Name, what, e.Name)
}

func (e *DamagedError) Unwrap() error { return e.Err }

func (e *DamagedError) Is(target error) bool { return target == ErrDamaged }

// Volume is one named volume.
type Volume struct {
	Name       string            `json:"name"`
	Driver     string            `json:"driver"`
	Labels     map[string]string `json:"labels,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	Anonymous  bool              `json:"anonymous,omitempty"`
	Users      []string          `json:"users,omitempty"` // container IDs
	Mountpoint string            `json:"-"`
}

// Store is the volumes of one state root.
type Store struct {
	dir    string // <root>/volumes
	events *events.Log
	// inUse, when set, names the containers that mount a volume (the
	// engine asks the container store), beside the recorded Users.
	inUse func(name string) []string
}

// SetInUse tells the store how to find the containers mounting a volume.
func (s *Store) SetInUse(fn func(name string) []string) { s.inUse = fn }

// Users returns the containers using v.
func (s *Store) Users(v *Volume) []string { return s.users(v) }

func (s *Store) users(v *Volume) []string {
	users := slices.Clone(v.Users)
	if s.inUse != nil {
		for _, u := range s.inUse(v.Name) {
			if !slices.Contains(users, u) {
				users = append(users, u)
			}
		}
	}
	return users
}

// Open returns the volume store of a state root.
func Open(root string) (*Store, error) {
	dir := filepath.Join(root, "volumes")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("volume store: %w", err)
	}
	return &Store{dir: dir, events: events.Open(root)}, nil
}

var validName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]+$`) })

// ErrInvalidName is what every error of ValidateName is.
var ErrInvalidName = errors.New("invalid volume name")

// nameError is a refused volume name in its own words.
type nameError struct{ msg string }

func (e *nameError) Error() string        { return e.msg }
func (e *nameError) Is(target error) bool { return target == ErrInvalidName }

// ValidateName checks a volume name as Docker does.
func ValidateName(name string) error {
	if !validName().MatchString(name) {
		// Docker's local driver's words (volume/local.validateName).
		return &nameError{fmt.Sprintf(`%q includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`, name)}
	}
	// The name is a directory name: longer ones fail with the system's
	// "file name too long".
	if len(name) > maxNameLen {
		return &nameError{fmt.Sprintf("volume name %.20q... is %d characters long: use at most %d", name, len(name), maxNameLen)}
	}
	return nil
}

const maxNameLen = 255

func (s *Store) lock(ctx context.Context) (func(), error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	l := flock.New(filepath.Join(s.dir, ".lock"))
	if err := l.Lock(); err != nil {
		return nil, fmt.Errorf("lock volumes: %w", err)
	}
	return func() { l.Close() }, nil
}

func (s *Store) metaPath(name string) string { return filepath.Join(s.dir, name, "volume.json") }

// Path returns the directory a volume's data lives in.
func (s *Store) Path(name string) string { return filepath.Join(s.dir, name, "_data") }

func (s *Store) load(name string) (*Volume, error) {
	b, err := os.ReadFile(s.metaPath(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("get %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read volume %s: %w", name, err)
	}
	v := &Volume{}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, &DamagedError{Name: name, Path: s.metaPath(name), Err: err}
	}
	v.Mountpoint = s.Path(name)
	// The record is written after _data is made and removed before it, so
	// a record without _data means the directory was removed by hand: a
	// container would fail at start with runc's "no such file".
	if _, err := os.Stat(v.Mountpoint); errors.Is(err, fs.ErrNotExist) {
		return nil, &DamagedError{Name: name, Path: v.Mountpoint, Err: err}
	}
	return v, nil
}

func (s *Store) save(v *Volume) error { return s.saveAt(s.metaPath(v.Name), v) }

func (s *Store) saveAt(path string, v *Volume) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("write volume %s: %w", v.Name, err)
	}
	return nil
}

// CreateOptions are `docker volume create`'s flags.
type CreateOptions struct {
	Name   string // empty: an anonymous volume with a random name
	Driver string // "" or "local"
	Labels map[string]string
	// Anonymous marks a volume as anonymous although it is named (the
	// name NewAnonymousName gave it when its container was created).
	Anonymous bool
}

// NewAnonymousName returns a name for an anonymous volume, as Docker's 64
// hex digits, for a volume made only when its container first starts.
func NewAnonymousName() string { return randomName() }

// IsAnonymousName reports whether name has the form of an anonymous
// volume's (64 lowercase hex digits).
func IsAnonymousName(name string) bool {
	if len(name) != 64 {
		return false
	}
	_, err := hex.DecodeString(name)
	return err == nil && strings.ToLower(name) == name
}

// Create makes a volume; creating one that exists returns it, as Docker.
func (s *Store) Create(ctx context.Context, o CreateOptions) (*Volume, error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return nil, err
	}
	defer unlock()
	v, _, err := s.create(o)
	return v, diskfull.Wrap(err, "creating volume "+o.Name, filepath.Dir(s.dir))
}

func (s *Store) create(o CreateOptions) (v *Volume, created bool, err error) {
	if o.Driver != "" && o.Driver != "local" {
		return nil, false, fmt.Errorf("volume driver %q is not supported: use the local driver", o.Driver)
	}
	anon := o.Name == "" || o.Anonymous
	if o.Name == "" {
		o.Name = randomName()
	} else if err := ValidateName(o.Name); err != nil {
		// As Docker's volume service (its OpErr): "create NAME: ...".
		return nil, false, fmt.Errorf("create %s: %w", o.Name, err)
	}
	if v, err := s.load(o.Name); err == nil {
		return v, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, false, err
	}
	v = &Volume{Name: o.Name, Driver: "local", Labels: o.Labels, CreatedAt: time.Now().UTC(), Anonymous: anon, Mountpoint: s.Path(o.Name)}
	if err := s.materialize(v); err != nil {
		return nil, false, err
	}
	s.events.Emit(events.Volume, "create", v.Name, map[string]string{"driver": "local"})
	return v, true, nil
}

// Staging directories of a create or a remove under way, beside the
// volumes; their names begin with a dot, which no volume name can.
const (
	stagingCreate = ".creating-"
	stagingRemove = ".removing-"
)

// materialize makes v's directory, its data folder and its record in a
// staging directory and renames it into place, so a volume is either
// whole or not there, whenever the process is killed.
func (s *Store) materialize(v *Volume) error {
	s.sweepStaging()
	tmp, err := os.MkdirTemp(s.dir, stagingCreate+v.Name+"-")
	if err != nil {
		return fmt.Errorf("create volume %s: %w", v.Name, err)
	}
	err = os.Chmod(tmp, 0o755)
	if err == nil {
		err = os.Mkdir(filepath.Join(tmp, "_data"), 0o755)
	}
	if err == nil {
		err = s.saveAt(filepath.Join(tmp, "volume.json"), v)
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, v.Name))
	}
	if err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("create volume %s: %w", v.Name, err)
	}
	return nil
}

// sweepStaging removes what creates and removes killed midway left. It
// runs under the store's lock, so no staging directory is in use.
func (s *Store) sweepStaging() {
	entries, _ := os.ReadDir(s.dir)
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, stagingCreate) || strings.HasPrefix(n, stagingRemove) {
			os.RemoveAll(filepath.Join(s.dir, n))
		}
	}
}

func randomName() string {
	var b [32]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// List returns every volume, sorted by name.
func (s *Store) List(ctx context.Context) ([]*Volume, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	var out []*Volume
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue // a staging directory of a create or remove
		}
		v, err := s.load(e.Name())
		if errors.Is(err, ErrNotFound) || errors.Is(err, ErrDamaged) {
			continue // half-created or half-removed: not a volume; damaged: see Damaged
		}
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Damaged returns the volumes whose records cannot be read, which List
// leaves out.
func (s *Store) Damaged(ctx context.Context) []*DamagedError {
	entries, _ := os.ReadDir(s.dir)
	var out []*DamagedError
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue // a staging directory of a create or remove
		}
		var d *DamagedError
		if _, err := s.load(e.Name()); errors.As(err, &d) {
			out = append(out, d)
		}
	}
	return out
}

// Inspect returns one volume.
func (s *Store) Inspect(ctx context.Context, name string) (*Volume, error) {
	return s.load(name)
}

// InUseError names the containers using a volume.
type InUseError struct {
	Name  string
	Users []string
}

// Error is Docker's daemon's wording (volume/service.OpErr), the
// containers' full ids included.
func (e *InUseError) Error() string {
	return fmt.Sprintf("remove %s: volume is in use - [%s]", e.Name, strings.Join(e.Users, ", "))
}

func (e *InUseError) Is(target error) bool { return target == ErrInUse }

// Remove deletes a volume that no container uses, with its data.
func (s *Store) Remove(ctx context.Context, name string) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return s.remove(name)
}

// RemoveIgnoring is Remove, not counting container ignore as a user (a
// container being removed with its anonymous volumes).
func (s *Store) RemoveIgnoring(ctx context.Context, name, ignore string) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	return s.removeIgnoring(name, ignore)
}

func (s *Store) remove(name string) error { return s.removeIgnoring(name, "") }

func (s *Store) removeIgnoring(name, ignore string) error {
	v, err := s.load(name)
	if errors.Is(err, ErrDamaged) {
		// Its recorded users are lost; the containers mounting it still
		// count (s.inUse).
		v, err = &Volume{Name: name}, nil
	}
	if err != nil {
		return err
	}
	users := slices.DeleteFunc(s.users(v), func(u string) bool { return u == ignore })
	if len(users) > 0 {
		return &InUseError{Name: name, Users: users}
	}
	// Out of the way in one rename, then deleted: a crash midway leaves
	// a staging directory (swept by the next create or remove), never a
	// volume half gone.
	s.sweepStaging()
	gone, err := os.MkdirTemp(s.dir, stagingRemove+name+"-")
	if err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	if err := os.Rename(filepath.Join(s.dir, name), filepath.Join(gone, name)); err != nil {
		os.Remove(gone)
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	if err := os.RemoveAll(gone); err != nil {
		return fmt.Errorf("remove volume %s: %w", name, err)
	}
	s.events.Emit(events.Volume, "destroy", name, map[string]string{"driver": "local"})
	return nil
}

// Prune removes unused volumes: anonymous ones only, or all unused ones
// with all (Docker 23's `volume prune` and `volume prune -a`), and of those
// only the ones match accepts (nil: every one). It returns their names and
// the bytes their data took.
func (s *Store) Prune(ctx context.Context, all bool, match func(*Volume) bool) (names []string, reclaimed int64, err error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer unlock()
	vols, err := s.List(ctx)
	if err != nil {
		return nil, 0, err
	}
	for _, v := range vols {
		if len(s.users(v)) > 0 || (!all && !v.Anonymous) || (match != nil && !match(v)) {
			continue
		}
		size := diskusage.Tree(v.Mountpoint)
		if err := s.remove(v.Name); err != nil {
			return names, reclaimed, err
		}
		names = append(names, v.Name)
		reclaimed += size
	}
	return names, reclaimed, nil
}

// Size is the bytes of the files in v's data.
func (s *Store) Size(v *Volume) int64 { return diskusage.Tree(v.Mountpoint) }

// Acquire records that container cid uses volume name, creating the volume
// if it does not exist (anonymous when name is empty). created tells the
// caller to fill a new volume from the image.
func (s *Store) Acquire(ctx context.Context, name, cid string) (v *Volume, created bool, err error) {
	unlock, err := s.lock(ctx)
	if err != nil {
		return nil, false, err
	}
	defer unlock()
	v, created, err = s.create(CreateOptions{Name: name})
	if err != nil {
		return nil, false, err
	}
	if !slices.Contains(v.Users, cid) {
		v.Users = append(v.Users, cid)
		if err := s.save(v); err != nil {
			return nil, false, err
		}
	}
	return v, created, nil
}

// Release drops container cid from every volume it uses. With
// removeAnonymous (docker rm -v) its anonymous volumes no one else uses
// are removed.
func (s *Store) Release(ctx context.Context, cid string, removeAnonymous bool) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	vols, err := s.List(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, v := range vols {
		i := slices.Index(v.Users, cid)
		if i < 0 {
			continue
		}
		v.Users = slices.Delete(v.Users, i, i+1)
		if err := s.save(v); err != nil {
			errs = append(errs, err)
			continue
		}
		if removeAnonymous && v.Anonymous && len(s.users(v)) == 0 {
			errs = append(errs, s.remove(v.Name))
		}
	}
	return errors.Join(errs...)
}

// ReleaseGone drops from every volume the containers that exist reports
// gone, after a crash between a container's removal and its release.
func (s *Store) ReleaseGone(ctx context.Context, exists func(cid string) bool) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	vols, err := s.List(ctx)
	if err != nil {
		return err
	}
	for _, v := range vols {
		kept := slices.DeleteFunc(slices.Clone(v.Users), func(u string) bool { return !exists(u) })
		if len(kept) != len(v.Users) {
			v.Users = kept
			if err := s.save(v); err != nil {
				return err
			}
		}
	}
	return nil
}
