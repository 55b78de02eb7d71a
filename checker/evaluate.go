package checker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Status is the outcome of a check or a whole report.
type Status string

// The outcomes: Error means the check itself could not be made (see
// docs/checks.md, Results).
const (
	Pass  Status = "pass"
	Fail  Status = "fail"
	Error Status = "error"
)

// DefaultBudget bounds a whole Evaluate call unless Env.Budget says otherwise.
const DefaultBudget = 30 * time.Second

// minAttempt is the least time one attempt of a check may take, so a check
// with no retries still gets to ask a slow engine once.
const minAttempt = 3 * time.Second

// attemptTimeout bounds one look at the engine: a command that hangs in a
// container (one starved of memory, say) is a finding, not a reason to
// keep the student waiting for the check's whole timeout. A `command`
// check runs on the host under its own timeout instead.
const attemptTimeout = minAttempt

// Env is what Evaluate needs besides the checks.
type Env struct {
	Engine Engine
	// Quizzes reads recorded quiz answers; nil makes quiz checks errors.
	Quizzes Quizzes
	// Lang is the language of messages: "en" or "ko".
	Lang string
	// Budget bounds the whole evaluation (DefaultBudget when zero).
	Budget time.Duration
	// NoRetry makes every check try once, ignoring its timeout; used when
	// a failure is expected (author test, before the solution).
	NoRetry bool
	// CommandEnv and CommandDir are the environment and directory of
	// `command` checks (nil: the process's own).
	CommandEnv []string
	CommandDir string
	// Step is the step being checked, "<lesson>/<step>" as in the
	// engine's dockyard.step label; created_in_step fields compare with it.
	Step string
	// Progress, when set, is told once per check why a failing check waits
	// instead of answering at once, e.g. "waiting for postgres-sample to
	// accept connections (up to 60 s)". A check on a settled state never
	// waits.
	Progress func(line string)
	// Debug keeps the raw engine error of a check that could not be made
	// in its result's Debug.
	Debug bool
}

// Result is the outcome of one check. Its JSON form is one entry of the
// report's tests, as in Exercism's results.json.
type Result struct {
	Name    string `json:"name"`
	Status  Status `json:"status"`
	Message string `json:"message,omitempty"`
	Output  string `json:"output,omitempty"`
	Kind    Kind   `json:"kind"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	// DurationMS is how long the check took, retries included.
	DurationMS int64 `json:"duration_ms"`
	// Waited says why the check waited for the state to settle, when it did.
	Waited string `json:"waited,omitempty"`
	// Debug is the raw error behind an error status (with Env.Debug).
	Debug string `json:"debug,omitempty"`
	// Findings are the differences behind Message, one per line.
	Findings []Finding `json:"-"`
}

// Finding is one difference between what a check expects and what it found.
type Finding struct {
	// Key names the message template, e.g. "container.port".
	Key string
	// Text is the rendered message with its hint, in the report's language.
	Text string
	// Expected and Found are the values compared, when the finding has them.
	Expected, Found string
}

// Report is the outcome of a step's checks: Exercism's results.json, version 2.
type Report struct {
	Version int      `json:"version"`
	Status  Status   `json:"status"`
	Message string   `json:"message,omitempty"`
	Tests   []Result `json:"tests"`
}

// ParseAll parses every block. A block that does not parse becomes a check
// that evaluates to status error with the parse problems as its message, so
// a student sees it instead of a silent skip.
func ParseAll(blocks []Block) []Check {
	out := make([]Check, 0, len(blocks))
	for _, b := range blocks {
		c, err := Parse(b)
		if err != nil {
			c = Check{Name: "check at " + fmt.Sprintf("%s:%d", b.File, b.Line+1), File: b.File, Line: b.Line + 1,
				spec: &invalidSpec{err: err}}
		}
		out = append(out, c)
	}
	return out
}

// Evaluate runs the checks concurrently and reports every outcome, in the
// order given. It returns within Env.Budget (plus the last attempt's
// cleanup), whatever the engine does.
func Evaluate(ctx context.Context, env Env, checks []Check) Report {
	budget := env.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	ctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	cat := catalogFor(env.Lang)

	results := make([]Result, len(checks))
	var wg sync.WaitGroup
	for i := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = evaluate(ctx, &env, &checks[i], cat)
		}()
	}
	wg.Wait()
	return newReport(results, cat)
}

func newReport(results []Result, cat *catalog) Report {
	r := Report{Version: 2, Status: Pass, Tests: results}
	var failed, errored int
	for _, t := range results {
		switch t.Status {
		case Fail:
			failed++
		case Error:
			errored++
		}
	}
	switch {
	case errored > 0:
		r.Status = Error
		r.Message = cat.render("report.error", map[string]any{"errored": errored, "total": len(results)})
	case failed > 0:
		r.Status = Fail
	}
	return r
}

func evaluate(ctx context.Context, env *Env, c *Check, cat *catalog) Result {
	start := time.Now()
	limit := max(c.Timeout, minAttempt)
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var r *run
	var waited string
	for wait := 100 * time.Millisecond; ; wait = min(wait*2, time.Second) {
		r = &run{env: env, check: c, cat: cat}
		actx, acancel := ctx, context.CancelFunc(func() {})
		if c.Kind != KindCommand {
			actx, acancel = context.WithTimeout(ctx, attemptTimeout)
		}
		if c.spec == nil {
			r.errorf("check.invalid", map[string]any{"error": "check was not parsed"})
		} else {
			c.spec.evaluate(actx, r)
		}
		acancel()
		// Only a state in motion is worth another look: a settled one
		// answers at once.
		if r.status() == Pass || env.NoRetry || r.motion == nil || time.Since(start)+wait > c.Timeout {
			break
		}
		if waited == "" {
			r.motion.data["limit"] = int(max(c.Timeout.Round(time.Second), time.Second) / time.Second)
			waited = cat.render(r.motion.Key, r.motion.data)
			if env.Progress != nil {
				env.Progress(waited)
			}
		}
		if !sleep(ctx, wait) {
			break
		}
	}
	res := Result{Name: c.label(cat), Kind: c.Kind, File: c.File, Line: c.Line, Status: r.status(),
		Output: cut(r.output), DurationMS: time.Since(start).Milliseconds(), Waited: waited}
	if env.Debug {
		res.Debug = r.debug
	}
	var lines []string
	for _, f := range r.findings {
		f.data["subject"] = c.Subject
		f.Text = cat.line(f.Key, f.data)
		res.Findings = append(res.Findings, f.Finding)
		lines = append(lines, f.Text)
	}
	if res.Status != Pass && !r.unreached {
		if h := c.Hint.In(cat.lang); h != "" {
			lines = append(lines, cat.render("check.hint", map[string]any{"hint": h}))
		}
	}
	res.Message = strings.Join(lines, "\n")
	return res
}

// sleep waits d, or less when ctx ends first; it reports whether the whole
// time passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// cut keeps output short enough for a report.
func cut(s string) string {
	const max = 4096
	if len(s) > max {
		return s[:max] + "\n[output cut at 4 KiB]"
	}
	return s
}

// spec is a kind's fields; evaluate looks at the engine once and records
// findings on r.
type spec interface {
	evaluate(ctx context.Context, r *run)
}

// run collects what one attempt of a check found.
type run struct {
	env      *Env
	check    *Check
	cat      *catalog
	findings []finding
	errored  bool
	// unreached: the check never got to what it checks (an exec in, or a
	// request from, a container that is missing or stopped). The
	// finding says so; the author's hint, about what the check looks
	// at, would be noise.
	unreached bool
	output    string
	// motion, when set, says the state is still changing (a container
	// just started, a database starting up): the check may look again.
	motion *finding
	// debug is the raw error behind an error status.
	debug string
	// values are the data the spec's messages share (postgres: user, database).
	values map[string]any
}

type finding struct {
	Finding
	data map[string]any
}

func (r *run) status() Status {
	switch {
	case r.errored:
		return Error
	case len(r.findings) > 0:
		return Fail
	}
	return Pass
}

// fail records a difference; data's "want" and "found" fill the finding's
// Expected and Found.
func (r *run) fail(key string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	f := finding{Finding: Finding{Key: key}, data: data}
	if v, ok := data["want"]; ok {
		f.Expected = fmt.Sprint(v)
	}
	if v, ok := data["found"]; ok {
		f.Found = fmt.Sprint(v)
	}
	r.findings = append(r.findings, f)
}

// errorf records that the check could not be made.
func (r *run) errorf(key string, data map[string]any) {
	r.errored = true
	r.fail(key, data)
}

// engineError records an engine failure as status error: the check could
// not be made, which is no fault of the student's. An attempt that ran out
// of time is a finding instead (see timedOut).
func (r *run) engineError(ctx context.Context, err error) {
	if ctx.Err() != nil {
		r.timedOut(nil)
		return
	}
	r.errored = true
	r.debug = err.Error()
	r.fail(engineErrorKey(err), map[string]any{})
}

// timedOut records that the engine did not answer within one attempt's
// time; c, when known, is the container asked, whose state the finding
// shows.
func (r *run) timedOut(c *Container) {
	data := map[string]any{"timeout": int(attemptTimeout.Round(time.Second) / time.Second)}
	describeContainer(r, c, data)
	r.fail("check.timeout", data)
}

// data is a value the spec set for its messages (empty when unset).
func (r *run) data(key string) string {
	if r.values == nil {
		return ""
	}
	return fmt.Sprint(r.values[key])
}

// waitFor records that the state is in motion, and why, in a message key
// of the "wait." family.
func (r *run) waitFor(key string, data map[string]any) {
	r.motion = &finding{Finding: Finding{Key: key}, data: data}
}

// missing reports whether err means the object does not exist. Only
// ErrNotFound counts: a socket that is not there (ENOENT) is an unreachable
// engine, not a missing container.
func missing(err error) bool {
	return errors.Is(err, ErrNotFound)
}

type invalidSpec struct{ err error }

func (s *invalidSpec) evaluate(_ context.Context, r *run) {
	r.errorf("check.invalid", map[string]any{"error": s.err.Error()})
}
