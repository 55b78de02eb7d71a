// Package doctor checks that a machine is ready for Dockyard's lessons:
// root, the kernel features containers need, the state root, the engine,
// the lesson images, free ports, the progress file and the lessons
// themselves. Each check says what it found and, when something is wrong,
// how to fix it, in the student's language. Checks that need the engine
// are skipped, not failed, when the engine cannot tell.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/lessons/screen"
)

// Status is a check's outcome.
type Status int

// The outcomes, mildest first.
const (
	OK Status = iota
	Skip
	Warn
	Fail
)

// Result is one line of the report.
type Result struct {
	Status Status
	// What names what was checked; Fix says how to mend it (empty when OK).
	What, Fix string
}

// Env is what the checks look at. Fields are paths so tests can point them
// at a fake /proc and /sys.
type Env struct {
	T *i18n.Printer
	// Proc and Sys are the mount points of procfs and sysfs.
	Proc, Sys string
	// EUID is the effective user id.
	EUID int
	// StateRoot is the engine's state folder.
	StateRoot string
	// Engine opens the engine; nil skips the engine checks.
	Engine func(ctx context.Context) error
	// HasImage reports whether the engine holds an image; nil skips the
	// image check.
	HasImage func(ctx context.Context, ref string) (bool, error)
	// UpperFS reports why overlayfs cannot use the state root for
	// containers' writable layers (the root is itself on an overlay, as in
	// a container), or nil; nil skips the check.
	UpperFS func(dir string) error
	// Baking returns the one-line progress of a bake of the lesson images
	// running now, or ""; nil means none.
	Baking func() string
	// Images and Ports are what the lessons require.
	Images []string
	Ports  []int
	// ProgressFile is the progress file's path; ProgressErr what loading it
	// gave.
	ProgressFile string
	ProgressErr  error
	// Lessons is the number of lessons; LessonProblems how many lint errors.
	Lessons, LessonProblems int
	// Tools are the host programs the lessons use (bash, psql, ...).
	Tools []string
	// ListenTCP probes a port (net.Listen by default).
	ListenTCP func(port int) error
}

// Run runs every check, in order.
func Run(ctx context.Context, env Env) []Result {
	if env.ListenTCP == nil {
		env.ListenTCP = listen
	}
	t := env.T
	var out []Result
	add := func(ok bool, bad Status, what, fix string) {
		if ok {
			out = append(out, Result{Status: OK, What: what})
		} else {
			out = append(out, Result{Status: bad, What: what, Fix: fix})
		}
	}
	add(env.EUID == 0, Warn, t.T("doctor.root"), t.T("doctor.root.fix"))

	release := strings.TrimSpace(readFile(filepath.Join(env.Proc, "sys/kernel/osrelease")))
	add(release != "", Warn, t.T("doctor.kernel", release), "")
	add(strings.Contains(readFile(filepath.Join(env.Proc, "filesystems")), "\toverlay\n"), Fail, t.T("doctor.overlay"), t.T("doctor.overlay.fix"))

	cg := filepath.Join(env.Sys, "fs/cgroup")
	version := "v1"
	if _, err := os.Stat(filepath.Join(cg, "cgroup.controllers")); err == nil {
		version = "v2"
	}
	_, cgErr := os.Stat(cg)
	add(cgErr == nil, Fail, t.T("doctor.cgroups", version), t.T("doctor.cgroups.fix"))

	var missing []string
	kinds := []string{"mnt", "pid", "net", "uts", "ipc"}
	for _, ns := range kinds {
		if _, err := os.Stat(filepath.Join(env.Proc, "self/ns", ns)); err != nil {
			missing = append(missing, ns)
		}
	}
	add(len(missing) == 0, Fail, t.T("doctor.namespaces", strings.Join(kinds, ", ")), t.T("doctor.namespaces.fix", strings.Join(missing, ", ")))
	add(strings.TrimSpace(readFile(filepath.Join(env.Proc, "sys/net/ipv4/ip_forward"))) == "1", Warn, t.T("doctor.forward"), t.T("doctor.forward.fix"))

	stateErr := writable(env.StateRoot)
	add(stateErr == nil, Warn, t.T("doctor.state", env.StateRoot), t.T("doctor.state.fix", stateErr))
	if env.UpperFS != nil {
		err := env.UpperFS(env.StateRoot)
		add(err == nil, Fail, t.T("doctor.upperfs", env.StateRoot), t.T("doctor.upperfs.fix", err))
	}

	engineOK := false
	if env.Engine != nil {
		err := env.Engine(ctx)
		engineOK = err == nil
		add(engineOK, Fail, t.T("doctor.engine"), t.T("doctor.engine.fix", err))
	}
	if len(env.Images) > 0 {
		what := t.T("doctor.images", strings.Join(env.Images, ", "))
		switch {
		case !engineOK || env.HasImage == nil:
			out = append(out, Result{Status: Skip, What: what, Fix: t.T("doctor.images.skip")})
		default:
			var absent []string
			for _, ref := range env.Images {
				if ok, err := env.HasImage(ctx, ref); err != nil || !ok {
					absent = append(absent, ref)
				}
			}
			baking := ""
			if env.Baking != nil {
				baking = env.Baking()
			}
			switch {
			case len(absent) > 0 && baking != "":
				// Not a problem: the lessons that need them wait.
				out = append(out, Result{Status: Warn, What: what, Fix: t.T("doctor.images.baking", baking)})
			default:
				add(len(absent) == 0, Fail, what, t.T("doctor.images.fix", strings.Join(absent, ", ")))
			}
		}
	}
	if len(env.Ports) > 0 {
		names := make([]string, len(env.Ports))
		for i, p := range env.Ports {
			names[i] = strconv.Itoa(p)
		}
		busy := 0
		for _, p := range env.Ports {
			if env.ListenTCP(p) != nil {
				busy = p
				break
			}
		}
		add(busy == 0, Warn, t.T("doctor.ports", strings.Join(names, ", ")), t.T("doctor.ports.fix", busy, busy))
	}
	add(env.ProgressErr == nil, Warn, t.T("doctor.progress", env.ProgressFile), t.T("doctor.progress.fix", env.ProgressErr))
	add(env.LessonProblems == 0 && env.Lessons > 0, Fail, t.T("doctor.lessons", env.Lessons), t.T("doctor.lessons.fix", env.LessonProblems))

	var noTool []string
	for _, tool := range env.Tools {
		if _, err := exec.LookPath(tool); err != nil {
			noTool = append(noTool, tool)
		}
	}
	if len(env.Tools) > 0 {
		add(len(noTool) == 0, Warn, t.T("doctor.tools", strings.Join(env.Tools, ", ")), t.T("doctor.tools.fix", strings.Join(noTool, " ")))
	}
	return out
}

// Print writes the report and returns the number of problems (Fail).
// Lines are wrapped at width terminal columns (0: not wrapped), each
// continuation under the text it continues.
func Print(w io.Writer, t *i18n.Printer, results []Result, width int) int {
	fmt.Fprintln(w, t.T("doctor.title"))
	label := map[Status]string{OK: t.T("doctor.ok"), Skip: t.T("doctor.skip"), Warn: t.T("doctor.warn"), Fail: t.T("doctor.fail")}
	mark := map[Status]string{OK: "✓", Skip: "-", Warn: "!", Fail: "✗"}
	fails := 0
	for _, r := range results {
		printIndented(w, "  "+mark[r.Status]+" ", r.What+": "+label[r.Status], width)
		if r.Status != OK && r.Fix != "" {
			printIndented(w, "      → ", r.Fix, width)
		}
		if r.Status == Fail {
			fails++
		}
	}
	if fails == 0 {
		fmt.Fprintln(w, t.T("doctor.summary.ok"))
	} else {
		fmt.Fprintln(w, t.T("doctor.summary.fail", fails))
	}
	return fails
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

// writable reports why dir (or, when it does not exist yet, its nearest
// existing parent) cannot be written, or nil.
func writable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			f, err := os.CreateTemp(d, ".doctor-")
			if err != nil {
				var pe *fs.PathError
				if errors.As(err, &pe) {
					err = pe.Err
				}
				return fmt.Errorf("cannot write in %s: %w", d, err)
			}
			name := f.Name()
			f.Close()
			return os.Remove(name)
		}
		if d == filepath.Dir(d) {
			return fmt.Errorf("no such folder: %s", dir)
		}
	}
}

func listen(port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return l.Close()
}

// Unique returns the sorted, distinct values.
func Unique[T string | int](xs []T) []T {
	out := slices.Clone(xs)
	slices.Sort(out)
	return slices.Compact(out)
}

// printIndented prints text after first, wrapped at width columns with
// the continuation lines indented as far as first.
func printIndented(w io.Writer, first, text string, width int) {
	for _, line := range screen.WrapAfter(first, text, width) {
		fmt.Fprintln(w, line)
	}
}
