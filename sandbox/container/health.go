package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/opencontainers/runc/libcontainer"
	"golang.org/x/sys/unix"
)

// HealthConfig is a container's health check: the image's HEALTHCHECK, or
// --health-* on run/create, or the Engine API's Config.Healthcheck. Zero
// durations and retries mean Docker's defaults.
type HealthConfig struct {
	// Test is ["NONE"] (disabled), ["CMD", arg...] or ["CMD-SHELL", cmd].
	Test          []string      `json:",omitempty"`
	Interval      time.Duration `json:",omitempty"`
	Timeout       time.Duration `json:",omitempty"`
	StartPeriod   time.Duration `json:",omitempty"`
	StartInterval time.Duration `json:",omitempty"`
	Retries       int           `json:",omitempty"`
}

// Docker's defaults for a health check (moby daemon/health.go).
const (
	DefaultHealthInterval      = 30 * time.Second
	DefaultHealthTimeout       = 30 * time.Second
	DefaultHealthStartInterval = 5 * time.Second
	DefaultHealthRetries       = 3

	// healthLogEntries is how many probe results State.Health.Log keeps,
	// healthOutputMax how much of a probe's output each keeps.
	healthLogEntries = 5
	healthOutputMax  = 4096
)

// Health statuses, Docker's names.
const (
	HealthStarting  = "starting"
	HealthHealthy   = "healthy"
	HealthUnhealthy = "unhealthy"
)

// Health is State.Health: the current status, the count of consecutive
// failures and the last results.
type Health struct {
	Status        string
	FailingStreak int
	Log           []HealthResult
}

// HealthResult is one probe's result.
type HealthResult struct {
	Start    time.Time
	End      time.Time
	ExitCode int
	Output   string
}

// Enabled reports whether the check runs: it has a test other than NONE.
func (h *HealthConfig) Enabled() bool {
	return h != nil && len(h.Test) > 0 && h.Test[0] != "NONE"
}

// probeArgs is the command line of a probe.
func (h *HealthConfig) probeArgs() ([]string, error) {
	switch h.Test[0] {
	case "CMD":
		if len(h.Test) < 2 {
			return nil, errors.New("health check CMD has no command")
		}
		return h.Test[1:], nil
	case "CMD-SHELL":
		if len(h.Test) < 2 {
			return nil, errors.New("health check CMD-SHELL has no command")
		}
		return []string{"/bin/sh", "-c", h.Test[1]}, nil
	}
	return nil, fmt.Errorf("unknown health check type %q", h.Test[0])
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// ValidateHealthConfig checks --health-* values as Docker's daemon does.
func ValidateHealthConfig(h *HealthConfig) []string {
	if h == nil {
		return nil
	}
	var problems []string
	check := func(name string, d time.Duration) {
		if d != 0 && d < time.Millisecond {
			problems = append(problems, fmt.Sprintf("%s in Healthcheck cannot be less than %s", name, time.Millisecond))
		}
	}
	check("Interval", h.Interval)
	check("Timeout", h.Timeout)
	check("StartPeriod", h.StartPeriod)
	check("StartInterval", h.StartInterval)
	if h.Retries < 0 {
		problems = append(problems, "Retries in Healthcheck cannot be negative")
	}
	return problems
}

// healthMonitor runs a container's health check while its process runs,
// as Docker's daemon does (moby daemon/health.go): a probe every interval
// (every start interval while starting within the start period), each
// bounded by the timeout; failures within the start period do not count;
// retries consecutive failures make it unhealthy, one success healthy.
type healthMonitor struct {
	s   *Store
	id  string
	cfg HealthConfig
	lc  *libcontainer.Container
	// initPid is the container's init, which the monitor waits for.
	initPid int
	started time.Time
	// onStatus is called when the status changes (the health_status event).
	onStatus func(status string)
}

// run probes until ctx ends. Between probes it holds only a timer.
func (h *healthMonitor) run(ctx context.Context) {
	interval := orDefault(h.cfg.Interval, DefaultHealthInterval)
	startInterval := orDefault(h.cfg.StartInterval, DefaultHealthStartInterval)
	status := HealthStarting
	next := func() time.Duration {
		if status == HealthStarting && time.Since(h.started) < h.cfg.StartPeriod {
			return startInterval
		}
		return interval
	}
	t := time.NewTimer(next())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		res := h.probe(ctx)
		if ctx.Err() != nil {
			return
		}
		if s, err := h.record(res); err == nil {
			status = s
		}
		// A probe's exec grows the heap and touches libcontainer's code
		// for a moment: give both back, the monitor idles again until the
		// next one.
		debug.FreeOSMemory()
		dropStartupPages()
		t.Reset(next())
	}
}

// record applies one result to the container's State.Health and returns
// the status after it.
func (h *healthMonitor) record(res HealthResult) (string, error) {
	retries := h.cfg.Retries
	if retries <= 0 {
		retries = DefaultHealthRetries
	}
	var before, after string
	_, err := h.s.Update(h.id, func(c *Container) error {
		if c.State.Status != Running {
			return errors.New("not running")
		}
		hs := c.State.Health
		if hs == nil {
			hs = &Health{Status: HealthStarting}
			c.State.Health = hs
		}
		before = hs.Status
		hs.Log = append(hs.Log, res)
		if len(hs.Log) > healthLogEntries {
			hs.Log = append([]HealthResult{}, hs.Log[len(hs.Log)-healthLogEntries:]...)
		}
		if res.ExitCode == 0 {
			hs.FailingStreak = 0
			hs.Status = HealthHealthy
		} else if hs.Status != HealthStarting || res.Start.Sub(h.started) >= h.cfg.StartPeriod {
			// Failures in the start period before a first success do not
			// count.
			hs.FailingStreak++
			if hs.FailingStreak >= retries {
				hs.Status = HealthUnhealthy
			}
		}
		after = hs.Status
		return nil
	})
	if err != nil {
		return "", err
	}
	if before != after && h.onStatus != nil {
		h.onStatus(after)
	}
	return after, nil
}

// probe runs the check once in the container, like docker exec, and
// kills it when the timeout passes.
func (h *healthMonitor) probe(ctx context.Context) HealthResult {
	timeout := orDefault(h.cfg.Timeout, DefaultHealthTimeout)
	res := HealthResult{Start: time.Now().UTC()}
	code, out, err := h.exec(ctx, timeout)
	res.End = time.Now().UTC()
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		res.ExitCode = -1
		res.Output = fmt.Sprintf("Health check exceeded timeout (%v)", timeout)
	case err != nil:
		res.ExitCode = -1
		res.Output = err.Error()
	default:
		res.ExitCode = code
		res.Output = out
	}
	return res
}

func (h *healthMonitor) exec(ctx context.Context, timeout time.Duration) (int, string, error) {
	c, err := h.s.load(h.id)
	if err != nil {
		return 0, "", err
	}
	args, err := h.cfg.probeArgs()
	if err != nil {
		return 0, "", err
	}
	u, err := execUser(h.s.RootfsPath(c.ID), c.Spec.Config.User)
	if err != nil {
		return 0, "", err
	}
	cwd := c.Spec.Config.WorkingDir
	if cwd == "" {
		cwd = "/"
	}
	// One pipe for stdout and stderr, read here: a probe that leaves a
	// child holding it cannot make the wait hang.
	r, w, err := os.Pipe()
	if err != nil {
		return 0, "", err
	}
	defer r.Close()
	proc := &libcontainer.Process{
		Args: args, Env: processEnv(c.Spec.Config.Env, c.Spec.Config.Hostname, u.Home, false), Cwd: cwd,
		UID: u.Uid, GID: u.Gid, AdditionalGroups: u.Sgids,
		Stdout: w, Stderr: w,
	}
	err = h.lc.Run(proc)
	w.Close()
	if err != nil {
		reapFailedExecs(h.initPid)
		return 0, "", classifyStartError(err)
	}
	outc := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(r, healthOutputMax))
		outc <- string(b)
		_, _ = io.Copy(io.Discard, r)
	}()
	waited := make(chan struct {
		ps  *os.ProcessState
		err error
	}, 1)
	go func() {
		ps, err := proc.Wait()
		waited <- struct {
			ps  *os.ProcessState
			err error
		}{ps, err}
	}()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case wr := <-waited:
		var out string
		select {
		case out = <-outc:
		case <-time.After(100 * time.Millisecond):
		}
		return exitCode(wr.ps, wr.err), out, nil
	case <-tctx.Done():
		_ = proc.Signal(unix.SIGKILL)
		<-waited
		if ctx.Err() != nil {
			return 0, "", ctx.Err()
		}
		return 0, "", context.DeadlineExceeded
	}
}
