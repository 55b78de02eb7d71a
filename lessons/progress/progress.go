// Package progress keeps a student's progress through the lessons: the
// current lesson and step, the steps done, the hints revealed and the quiz
// answers given. It is one small JSON file in the student's XDG state
// directory, written atomically (renameio) under a file lock (flock), so two
// dockyard processes running at once never lose an update. A file that
// cannot be read is moved aside and replaced, never a crash.
package progress

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/renameio/v2"

	"github.com/dockyard-lab/dockyard/sandbox/diskfull"
)

// Version is the file format's version. A file with another version is
// backed up and replaced.
const Version = 1

// Progress is the whole file.
type Progress struct {
	Version int `json:"version"`
	// Current is the id of the lesson the student is on.
	Current string `json:"current,omitempty"`
	// Lang is the language the student last chose with --lang or
	// $DOCKYARD_LANG; later commands keep speaking it.
	Lang string `json:"lang,omitempty"`
	// Lessons are keyed by lesson id.
	Lessons map[string]*Lesson `json:"lessons"`
}

// Lesson is the progress through one lesson.
type Lesson struct {
	// Current is the id of the step the student is on.
	Current string `json:"current,omitempty"`
	// Steps are keyed by step id.
	Steps map[string]*Step `json:"steps,omitempty"`
	// Answers are the choices (1-based) last given to each quiz, by quiz id.
	Answers map[string][]int `json:"answers,omitempty"`
	Started time.Time        `json:"started"`
	Updated time.Time        `json:"updated"`
}

// Step is the progress on one step.
type Step struct {
	// Done is set when the step's checks passed.
	Done bool `json:"done,omitempty"`
	// Solved marks a step done by `dockyard solve` (with help).
	Solved bool `json:"solved,omitempty"`
	// Hints is how many hints have been revealed.
	Hints int `json:"hints,omitempty"`
	// At is when the step was done.
	At time.Time `json:"at,omitzero"`
}

// New returns empty progress.
func New() *Progress { return &Progress{Version: Version, Lessons: map[string]*Lesson{}} }

// Lesson returns the progress of lesson id, creating it.
func (p *Progress) Lesson(id string) *Lesson {
	l := p.Lessons[id]
	if l == nil {
		l = &Lesson{Started: now()}
		p.Lessons[id] = l
	}
	return l
}

// Step returns the progress of step id, creating it.
func (l *Lesson) Step(id string) *Step {
	if l.Steps == nil {
		l.Steps = map[string]*Step{}
	}
	s := l.Steps[id]
	if s == nil {
		s = &Step{}
		l.Steps[id] = s
	}
	return s
}

// IsDone reports whether step id was done (by the student or with solve).
func (l *Lesson) IsDone(id string) bool {
	return l != nil && l.Steps[id] != nil && l.Steps[id].Done
}

// Answer records the choices given to a quiz.
func (l *Lesson) Answer(quiz string, choices []int) {
	if l.Answers == nil {
		l.Answers = map[string][]int{}
	}
	l.Answers[quiz] = choices
}

// now is time.Now, rounded to the second so the file stays readable.
var now = func() time.Time { return time.Now().UTC().Truncate(time.Second) }

// Owner is who the file belongs to: under sudo, the invoking user, so that
// the file stays theirs. A zero Owner (-1, -1) leaves ownership alone.
type Owner struct{ UID, GID int }

// NoOwner leaves files to the process's own user.
var NoOwner = Owner{-1, -1}

// Store is the progress file at one path.
type Store struct {
	path  string
	owner Owner
}

// Open returns the store at path; nothing is read or created yet.
func Open(path string, owner Owner) *Store { return &Store{path: path, owner: owner} }

// Path is the file's path.
func (s *Store) Path() string { return s.path }

// Recovered tells that the file could not be read and was moved aside.
type Recovered struct {
	// Backup is where the old file now is.
	Backup string
	// Reason says what was wrong with it.
	Reason string
}

// Load reads the progress. A missing file is empty progress. A corrupt or
// old file is moved aside and replaced with empty progress, and the
// returned *Recovered says so (nil otherwise).
func (s *Store) Load() (*Progress, *Recovered, error) {
	if _, err := os.Stat(s.path); errors.Is(err, fs.ErrNotExist) {
		return New(), nil, nil
	}
	var p *Progress
	var rec *Recovered
	err := s.locked(func() error {
		var err error
		p, rec, err = s.read()
		return err
	})
	return p, rec, err
}

// Lang returns the language recorded in the progress file ("" when none
// is, or there is no file yet). A file that cannot be read is an error, and
// is left untouched for Load to report and recover.
func (s *Store) Lang() (string, error) {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if p, ok := parseWritten(b); ok {
		return p.Lang, nil
	}
	var p struct {
		Lang string `json:"lang"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return "", err
	}
	return p.Lang, nil
}

// Update reads the progress, applies fn and writes the result atomically,
// all under the store's lock. When fn fails nothing is written.
func (s *Store) Update(fn func(*Progress) error) (*Recovered, error) {
	var rec *Recovered
	err := s.locked(func() error {
		p, r, err := s.read()
		if err != nil {
			return err
		}
		rec = r
		if err := fn(p); err != nil {
			return err
		}
		return s.write(p)
	})
	return rec, err
}

func (s *Store) locked(fn func() error) error {
	if err := s.mkdir(filepath.Dir(s.path)); err != nil {
		return err
	}
	lockPath := s.path + ".lock"
	fl := flock.New(lockPath)
	if err := fl.Lock(); err != nil {
		return fmt.Errorf("lock progress file: %w", err)
	}
	defer fl.Unlock()
	s.chown(lockPath)
	return fn()
}

// read must run under the lock.
func (s *Store) read() (*Progress, *Recovered, error) {
	data, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return New(), nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read progress: %w", err)
	}
	reason := ""
	p, ok := parseWritten(data)
	if !ok {
		p = &Progress{}
		if err := json.NewDecoder(bytes.NewReader(data)).Decode(p); err != nil {
			reason = "not valid JSON: " + err.Error()
		}
	}
	if reason == "" && p.Version != Version {
		reason = "format version " + strconv.Itoa(p.Version) + ", this dockyard writes version " + strconv.Itoa(Version)
	}
	if reason == "" {
		if p.Lessons == nil {
			p.Lessons = map[string]*Lesson{}
		}
		return p, nil, nil
	}
	backup := freeName(s.path + ".bak-" + time.Now().UTC().Format("20060102T150405"))
	if err := os.Rename(s.path, backup); err != nil {
		return nil, nil, fmt.Errorf("move unreadable progress aside: %w", err)
	}
	return New(), &Recovered{Backup: backup, Reason: reason}, nil
}

// freeName is name, or name with ".2", ".3", ... when a file of that name
// exists: a second unreadable file within the same second must not replace
// the first one's backup.
func freeName(name string) string {
	try := name
	for i := 2; ; i++ {
		if _, err := os.Lstat(try); errors.Is(err, fs.ErrNotExist) {
			return try
		}
		try = name + "." + strconv.Itoa(i)
	}
}

func (s *Store) write(p *Progress) error {
	p.Version = Version
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(s.path, append(data, '\n'), 0o644); err != nil {
		// renameio wrote a temporary file and removed it: the progress
		// saved before is still whole.
		err = fmt.Errorf("write progress: %w", err)
		if diskfull.Is(err) {
			return &diskfull.Error{Op: "saving your progress", Dir: filepath.Dir(s.path), Err: err,
				Fix: "free space there and run the command again (the progress saved before is kept)"}
		}
		return err
	}
	s.chown(s.path)
	return nil
}

// mkdir creates dir and its missing parents, giving the ones it creates to
// the owner.
func (s *Store) mkdir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := s.mkdir(filepath.Dir(dir)); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create progress folder: %w", err)
	}
	s.chown(dir)
	return nil
}

func (s *Store) chown(path string) {
	if s.owner.UID >= 0 {
		// Best effort: a failure leaves a root-owned file the user can
		// still read.
		_ = os.Lchown(path, s.owner.UID, s.owner.GID)
	}
}
