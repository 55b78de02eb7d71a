package container_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/events"
)

// startHealth starts a sleeping container with health check hc.
func startHealth(t *testing.T, s *container.Store, hc *container.HealthConfig) *container.Container {
	t.Helper()
	spec := shSpec(busyboxRootfs(t), "sleep 60")
	spec.Config.Healthcheck = hc
	return started(t, s, spec)
}

// waitHealth waits for the container's health status to become want and
// returns its health then.
func waitHealth(t *testing.T, s *container.Store, id, want string, within time.Duration) *container.Health {
	t.Helper()
	var last *container.Health
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		c, err := s.Get(id)
		if err != nil {
			t.Fatal(err)
		}
		last = c.State.Health
		if last != nil && last.Status == want {
			return last
		}
	}
	t.Fatalf("health after %v = %+v, want status %q", within, last, want)
	return nil
}

func TestHealthStartingThenHealthy(t *testing.T) {
	s := openStore(t)
	c := startHealth(t, s, &container.HealthConfig{Test: []string{"CMD-SHELL", "echo fine; exit 0"}, Interval: 200 * time.Millisecond})
	got, _ := s.Get(c.ID)
	if got.State.Health == nil || got.State.Health.Status != container.HealthStarting {
		t.Fatalf("health right after start = %+v, want starting", got.State.Health)
	}
	h := waitHealth(t, s, c.ID, container.HealthHealthy, 10*time.Second)
	if h.FailingStreak != 0 || len(h.Log) == 0 || h.Log[len(h.Log)-1].Output != "fine\n" || h.Log[len(h.Log)-1].ExitCode != 0 {
		t.Errorf("health = %+v, want a streak of 0 and a last result with output %q", h, "fine\n")
	}
}

func TestHealthUnhealthyAfterRetries(t *testing.T) {
	s := openStore(t)
	c := startHealth(t, s, &container.HealthConfig{Test: []string{"CMD", "false"}, Interval: 100 * time.Millisecond, Retries: 3})
	h := waitHealth(t, s, c.ID, container.HealthUnhealthy, 15*time.Second)
	if h.FailingStreak != 3 {
		t.Errorf("FailingStreak when it turned unhealthy = %d, want 3", h.FailingStreak)
	}
	// It goes on failing; the log keeps the last five results.
	deadline := time.Now().Add(15 * time.Second)
	for h.FailingStreak < 7 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		got, _ := s.Get(c.ID)
		h = got.State.Health
	}
	if len(h.Log) != 5 || h.Status != container.HealthUnhealthy {
		t.Errorf("after %d failures: %d log entries, status %q; want 5, unhealthy", h.FailingStreak, len(h.Log), h.Status)
	}
}

// Failures within the start period do not count: the container stays
// "starting" with no failing streak, and one success makes it healthy.
func TestHealthStartPeriod(t *testing.T) {
	s := openStore(t)
	c := startHealth(t, s, &container.HealthConfig{
		Test:     []string{"CMD-SHELL", "test -f /tmp/ready"},
		Interval: time.Hour, StartPeriod: time.Minute, StartInterval: 100 * time.Millisecond, Retries: 1,
	})
	deadline := time.Now().Add(10 * time.Second)
	var h *container.Health
	for time.Now().Before(deadline) {
		got, _ := s.Get(c.ID)
		if h = got.State.Health; h != nil && len(h.Log) >= 3 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if h == nil || len(h.Log) < 3 || h.Status != container.HealthStarting || h.FailingStreak != 0 {
		t.Fatalf("health in the start period after failures = %+v, want starting, streak 0, 3+ results", h)
	}
	if code, err := s.Exec(context.Background(), c.ID, container.ExecOptions{Cmd: []string{"touch", "/tmp/ready"}}); err != nil || code != 0 {
		t.Fatalf("exec touch = %d, %v", code, err)
	}
	waitHealth(t, s, c.ID, container.HealthHealthy, 10*time.Second)
}

// A probe that outlives its timeout is killed and counts as a failure with
// Docker's message.
func TestHealthTimeout(t *testing.T) {
	s := openStore(t)
	c := startHealth(t, s, &container.HealthConfig{Test: []string{"CMD", "sleep", "30"}, Interval: 100 * time.Millisecond, Timeout: 200 * time.Millisecond, Retries: 1})
	h := waitHealth(t, s, c.ID, container.HealthUnhealthy, 10*time.Second)
	last := h.Log[len(h.Log)-1]
	if last.ExitCode != -1 || last.Output != "Health check exceeded timeout (200ms)" || last.End.Sub(last.Start) > 5*time.Second {
		t.Errorf("timed out result = %+v, want exit -1 and Docker's timeout message", last)
	}
}

// Status changes are events (health_status: healthy), beside start.
func TestHealthEvents(t *testing.T) {
	root := t.TempDir()
	s, err := container.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	c := startHealth(t, s, &container.HealthConfig{Test: []string{"CMD", "true"}, Interval: 100 * time.Millisecond})
	waitHealth(t, s, c.ID, container.HealthHealthy, 10*time.Second)
	var actions []string
	err = events.Open(root).Read(context.Background(), events.Options{}, func(m events.Message) error {
		if m.Actor.ID == c.ID {
			actions = append(actions, m.Action)
		}
		return nil
	})
	want := []string{"create", "start", "health_status: healthy"}
	if err != nil || len(actions) < 3 || actions[0] != want[0] || actions[1] != want[1] || actions[2] != want[2] {
		t.Errorf("events = %q, %v; want %q", actions, err, want)
	}
}

// A stop that kills the container while a health probe's exec is joining
// it ends: the probe's half-made processes, the monitor's children by
// libcontainer's CLONE_PARENT, are reaped, so the dying init's PID
// namespace can finish its exit and the monitor sees it. Before, about
// one stop in four hung for good, with a zombie per later probe.
func TestStopWhileAHealthProbeJoins(t *testing.T) {
	s := openStore(t)
	c := startHealth(t, s, &container.HealthConfig{Test: []string{"CMD", "true"}, Interval: 10 * time.Millisecond})
	waitHealth(t, s, c.ID, container.HealthHealthy, 10*time.Second)
	for i := range 12 {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := s.Stop(ctx, c.ID, 0)
		cancel()
		if err != nil {
			t.Fatalf("stop %d with a probe every 10ms: %v", i+1, err)
		}
		if _, err := s.Start(context.Background(), c.ID, container.StartOptions{}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond) // a probe or two
	}
	got, err := s.Get(c.ID)
	if err != nil {
		t.Fatal(err)
	}
	// A probe's first stage is a zombie for a moment before libcontainer
	// reaps it: only one still there a while later was left behind.
	before := zombieChildren(t, got.State.MonitorPid)
	time.Sleep(500 * time.Millisecond)
	var left []string
	for _, z := range zombieChildren(t, got.State.MonitorPid) {
		if slices.Contains(before, z) {
			left = append(left, z)
		}
	}
	if len(left) > 0 {
		t.Errorf("the monitor has zombie children %v", left)
	}
}

// zombieChildren lists pid's children that have exited and not been reaped.
func zombieChildren(t *testing.T, pid int) []string {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		rest := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(rest) > 1 && rest[0] == "Z" && rest[1] == strconv.Itoa(pid) {
			out = append(out, s[:strings.LastIndexByte(s, ')')+1])
		}
	}
	return out
}
