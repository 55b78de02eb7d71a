package bake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/renameio/v2"
)

// Phases of one image's bake, in order.
const (
	PhaseWaiting   = "waiting"   // for the image it is built FROM
	PhaseBootstrap = "bootstrap" // the base image's packages, from Debian's archive
	PhaseInstall   = "install"   // a Dockerfile's RUN steps (apt-get install)
	PhaseExport    = "export"    // packing and writing the layers
	PhaseDone      = "done"
	PhaseUpToDate  = "up to date"
	PhaseFailed    = "failed"
)

// Progress is where one image's bake is, for a one-line display.
type Progress struct {
	Name    string        `json:"name"`
	Phase   string        `json:"phase"`
	Frac    float64       `json:"frac"` // 0..1, an estimate
	Elapsed time.Duration `json:"elapsed"`
	Log     string        `json:"log,omitempty"` // the raw output, a file
}

// Finished reports whether the image's bake is over.
func (p Progress) Finished() bool {
	return p.Phase == PhaseDone || p.Phase == PhaseUpToDate || p.Phase == PhaseFailed
}

// Left estimates the time left from the time spent and the fraction done;
// zero when too little is done to say.
func (p Progress) Left() time.Duration {
	if p.Finished() || p.Frac < 0.05 || p.Elapsed <= 0 {
		return 0
	}
	return time.Duration(float64(p.Elapsed) * (1 - p.Frac) / p.Frac).Round(time.Second)
}

// Status is every image's progress in one bake, as the state root's
// status file holds it for other processes (dockyard learn, doctor, the
// shell prompt).
type Status struct {
	PID     int        `json:"pid"`
	Started time.Time  `json:"started"`
	Updated time.Time  `json:"updated"`
	Images  []Progress `json:"images"`
}

// statusFile is the bake's status, in the work directory.
const statusFile = "bake-status.json"

// ReadStatus returns the last bake's status in workDir, and whether that
// bake is still running (its process is alive). No bake ever is (nil, false).
func ReadStatus(workDir string) (*Status, bool) {
	b, err := os.ReadFile(filepath.Join(workDir, statusFile))
	if err != nil {
		return nil, false
	}
	var st Status
	if json.Unmarshal(b, &st) != nil {
		return nil, false
	}
	running := false
	for _, p := range st.Images {
		if !p.Finished() {
			running = true
		}
	}
	if running && !alive(st.PID) {
		running = false
	}
	return &st, running
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	_, err := os.Stat(fmt.Sprintf("/proc/%d", pid))
	return err == nil
}

// Summary is the status in one line: "postgres 42% (install), nginx 80%
// (export): about 35s left", or "" when every image is ready.
func (st *Status) Summary() string {
	var parts []string
	var left time.Duration
	for _, p := range st.Images {
		if p.Finished() {
			continue
		}
		if p.Phase == PhaseWaiting {
			parts = append(parts, p.Name+" (waiting)")
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d%% (%s)", p.Name, int(p.Frac*100), p.Phase))
		left = max(left, p.Left())
	}
	if len(parts) == 0 {
		return ""
	}
	s := "baking " + strings.Join(parts, ", ")
	if left > 0 {
		s += fmt.Sprintf(": about %s left", left)
	}
	return s
}

// Short is the status for a prompt: "images 42% ~35s", or "" when no
// image is left to bake.
func (st *Status) Short() string {
	var sum float64
	var left time.Duration
	busy := false
	for _, p := range st.Images {
		sum += p.Frac
		if !p.Finished() {
			busy = true
			left = max(left, p.Left())
		}
	}
	if !busy || len(st.Images) == 0 {
		return ""
	}
	s := fmt.Sprintf("images %d%%", int(100*sum/float64(len(st.Images))))
	if left > 0 {
		s += fmt.Sprintf(" ~%s", left)
	}
	return s
}

// tracker follows the bakes of one Baker run: each image's raw output goes
// to its log file (and to Baker.Out when set), and its lines move the
// image's phase and fraction.
type tracker struct {
	b       *Baker
	mu      sync.Mutex
	started time.Time
	images  map[string]*imageTrack
	order   []string
	saved   time.Time
}

type imageTrack struct {
	t     *tracker
	p     Progress
	start time.Time
	log   *os.File
	buf   []byte
	// apt's count of packages to install in the current RUN step, and
	// the package lines seen (Get, Unpacking, Setting up: three each).
	aptTotal, aptSeen int
	step, steps       int
	// The last lines, shown when the bake fails.
	tail []string
}

func newTracker(b *Baker, names []string) *tracker {
	t := &tracker{b: b, started: time.Now(), images: map[string]*imageTrack{}}
	logs := filepath.Join(b.WorkDir, "logs")
	os.MkdirAll(logs, 0o755)
	for _, n := range names {
		it := &imageTrack{t: t, p: Progress{Name: n, Phase: PhaseWaiting}}
		it.p.Log = filepath.Join(logs, n+".log")
		t.images[n] = it
		t.order = append(t.order, n)
	}
	t.publish(true)
	return t
}

// image returns the track of name, opening its log.
func (t *tracker) image(name string) *imageTrack {
	t.mu.Lock()
	defer t.mu.Unlock()
	it := t.images[name]
	if it.log == nil {
		it.log, _ = os.Create(it.p.Log)
		it.start = time.Now()
	}
	return it
}

// set moves the image to phase at frac (never backwards).
func (it *imageTrack) set(phase string, frac float64) {
	it.t.mu.Lock()
	moved := it.p.Phase != phase
	it.p.Phase = phase
	if frac > it.p.Frac || phase == PhaseDone || phase == PhaseUpToDate {
		it.p.Frac = frac
	}
	it.p.Elapsed = time.Since(it.start)
	it.t.mu.Unlock()
	// A new phase is saved at once; fractions within one at most once a
	// second.
	it.t.publish(moved)
}

// finish ends the image's track.
func (it *imageTrack) finish(phase string) {
	it.flush()
	frac := 1.0
	if phase == PhaseFailed {
		frac = it.p.Frac
	}
	it.set(phase, frac)
	if it.log != nil {
		it.log.Close()
	}
}

// Write takes the raw output of bootstrap or build.
func (it *imageTrack) Write(b []byte) (int, error) {
	it.buf = append(it.buf, b...)
	for {
		i := bytes.IndexByte(it.buf, '\n')
		if i < 0 {
			break
		}
		it.line(string(it.buf[:i]))
		it.buf = it.buf[i+1:]
	}
	return len(b), nil
}

func (it *imageTrack) flush() {
	if len(it.buf) > 0 {
		it.line(string(it.buf))
		it.buf = nil
	}
}

// printf writes a line of the bake's own to the log.
func (it *imageTrack) printf(format string, args ...any) {
	it.line(fmt.Sprintf(format, args...))
}

var (
	// BuildKit's plain output, as the builder writes it.
	stepLine   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^#\d+ \[(\d+)/(\d+)\] `) })
	aptPlanned = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(\d+) newly installed`) })
	// mmdebstrap's and debootstrap's phases, and how far each is.
	bootstrapPhases = []struct {
		prefix string
		frac   float64
	}{
		{"I: running apt-get update", 0.05},
		{"I: downloading packages", 0.1},
		{"I: extracting archives", 0.35},
		{"I: installing essential packages", 0.45},
		{"I: installing remaining packages", 0.6},
		{"I: cleaning package lists", 0.75},
		{"I: Retrieving Release", 0.05},
		{"I: Retrieving ", 0.1},
		{"I: Extracting ", 0.3},
		{"I: Unpacking ", 0.45},
		{"I: Configuring ", 0.6},
		{"I: Base system installed", 0.75},
	}
)

func (it *imageTrack) line(l string) {
	l = strings.TrimRight(l, "\r")
	if it.log != nil {
		fmt.Fprintln(it.log, l)
	}
	if out := it.t.b.Out; out != nil {
		it.t.mu.Lock()
		fmt.Fprintf(out, "[%s] %s\n", it.p.Name, l)
		it.t.mu.Unlock()
	}
	it.tail = append(it.tail, l)
	if len(it.tail) > 20 {
		it.tail = it.tail[1:]
	}
	if it.p.Phase == PhaseBootstrap {
		for _, ph := range bootstrapPhases {
			if strings.HasPrefix(l, ph.prefix) {
				it.set(PhaseBootstrap, ph.frac)
				return
			}
		}
		return
	}
	if m := stepLine().FindStringSubmatch(l); m != nil {
		it.step, _ = strconv.Atoi(m[1])
		it.steps, _ = strconv.Atoi(m[2])
		it.aptTotal, it.aptSeen = 0, 0
		it.set(PhaseInstall, it.buildFrac())
		return
	}
	if strings.Contains(l, "exporting to image") {
		it.set(PhaseExport, 0.9)
		return
	}
	if m := aptPlanned().FindStringSubmatch(l); m != nil {
		it.aptTotal, _ = strconv.Atoi(m[1])
		return
	}
	if it.aptTotal > 0 {
		for _, w := range []string{" Get:", " Unpacking ", " Setting up "} {
			if strings.Contains(l, w) {
				it.aptSeen++
				it.set(PhaseInstall, it.buildFrac())
				return
			}
		}
	}
}

// buildFrac is how far a Dockerfile build is: its steps share 0.9 of the
// bar equally, a RUN step with apt moving through its packages.
func (it *imageTrack) buildFrac() float64 {
	if it.steps == 0 {
		return 0
	}
	sub := 0.0
	if it.aptTotal > 0 {
		sub = min(1, float64(it.aptSeen)/float64(3*it.aptTotal))
	}
	return 0.9 * (float64(it.step-1) + sub) / float64(it.steps)
}

// failure is the error of a failed bake with the last lines of its log.
func (it *imageTrack) failure(err error) error {
	return &Error{Name: it.p.Name, Err: err, Log: it.p.Log, Tail: append([]string(nil), it.tail...)}
}

// Error is a failed bake: the raw log's path and its last lines.
type Error struct {
	Name string
	Err  error
	Log  string
	Tail []string
}

func (e *Error) Error() string {
	return fmt.Sprintf("bake %s: %v (its log: %s)", e.Name, e.Err, e.Log)
}

func (e *Error) Unwrap() error { return e.Err }

// publish hands the progress to Baker.Progress and writes the status file
// (at most once a second unless force).
func (t *tracker) publish(force bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	st := Status{PID: os.Getpid(), Started: t.started, Updated: time.Now()}
	for _, n := range t.order {
		p := t.images[n].p
		if !t.images[n].start.IsZero() && !p.Finished() {
			p.Elapsed = time.Since(t.images[n].start)
		}
		st.Images = append(st.Images, p)
	}
	if t.b.Progress != nil {
		for _, p := range st.Images {
			t.b.Progress(p)
		}
	}
	if !force && time.Since(t.saved) < time.Second {
		return
	}
	t.saved = time.Now()
	if data, err := json.Marshal(st); err == nil {
		renameio.WriteFile(filepath.Join(t.b.WorkDir, statusFile), data, 0o644)
	}
}

// LineProgress returns a Baker.Progress that writes a line to w when an
// image moves to another phase or another quarter of its bar, for output
// that is not a terminal: "postgres: install 50%".
func LineProgress(w io.Writer) func(Progress) {
	var mu sync.Mutex
	last := map[string]string{}
	return func(p Progress) {
		mu.Lock()
		defer mu.Unlock()
		key := p.Phase
		if !p.Finished() && p.Phase != PhaseWaiting {
			key = fmt.Sprintf("%s %d%%", p.Phase, int(p.Frac*4)*25)
		}
		// Waiting and up to date are no news: a pull of an image baked
		// before prints only what a pull prints.
		if last[p.Name] == key || p.Phase == PhaseWaiting || p.Phase == PhaseUpToDate {
			return
		}
		last[p.Name] = key
		switch p.Phase {
		case PhaseDone:
			fmt.Fprintf(w, "%s: baked in %.1fs\n", p.Name, p.Elapsed.Seconds())
		case PhaseFailed:
			fmt.Fprintf(w, "%s: %s\n", p.Name, p.Phase)
		default:
			if left := p.Left(); left > 0 {
				fmt.Fprintf(w, "%s: %s, about %s left\n", p.Name, key, left)
			} else {
				fmt.Fprintf(w, "%s: %s\n", p.Name, key)
			}
		}
	}
}
