package engine

import (
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/container"
)

// HealthStatus is what ps --filter health= and the API's summaries match:
// a running container's check status, "none" without a check or when it
// does not run (Docker reports no health for a stopped container).
func TestHealthStatus(t *testing.T) {
	c := func(status container.Status, health string) *container.Container {
		c := &container.Container{State: container.State{Status: status}}
		if health != "" {
			c.State.Health = &container.Health{Status: health}
		}
		return c
	}
	for _, tc := range []struct {
		c    *container.Container
		want string
	}{
		{c(container.Running, "healthy"), "healthy"},
		{c(container.Running, "unhealthy"), "unhealthy"},
		{c(container.Running, "starting"), "starting"},
		{c(container.Running, ""), "none"},
		{c(container.Exited, "healthy"), "none"},
	} {
		if got := HealthStatus(tc.c); got != tc.want {
			t.Errorf("HealthStatus(%s, %+v) = %q, want %q", tc.c.State.Status, tc.c.State.Health, got, tc.want)
		}
	}
	f := Filters{"health": {"healthy"}}
	if !f.Exact("health", HealthStatus(c(container.Running, "healthy"))) || f.Exact("health", HealthStatus(c(container.Running, ""))) {
		t.Error(`the health filter does not match by HealthStatus`)
	}
}
