package container

import (
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/container"
)

func TestHealthFlags(t *testing.T) {
	tests := []struct {
		h       healthFlags
		want    []string
		wantErr string
	}{
		{healthFlags{}, nil, ""},
		{healthFlags{cmd: "pg_isready", interval: time.Second}, []string{"CMD-SHELL", "pg_isready"}, ""},
		{healthFlags{none: true}, []string{"NONE"}, ""},
		{healthFlags{none: true, cmd: "true"}, nil, "--no-healthcheck conflicts with --health-* options"},
		{healthFlags{retries: -1}, nil, "--health-retries cannot be negative"},
	}
	for _, tt := range tests {
		got, err := tt.h.config()
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("config(%+v) error = %v, want %q", tt.h, err, tt.wantErr)
			}
			continue
		}
		if err != nil || (got == nil) != (tt.want == nil) || got != nil && strings.Join(got.Test, " ") != strings.Join(tt.want, " ") {
			t.Errorf("config(%+v) = %+v, %v; want test %q", tt.h, got, err, tt.want)
		}
	}
}

// ps --filter health= matches a running container's health check status,
// "none" one without.
func TestPsFilterHealth(t *testing.T) {
	running := func(name, health string) *container.Container {
		c := &container.Container{ID: name + "0123456789ab", Name: name, State: container.State{Status: container.Running}}
		if health != "" {
			c.State.Health = &container.Health{Status: health}
		}
		return c
	}
	list := []*container.Container{running("a", "healthy"), running("b", "unhealthy"), running("c", ""), running("d", "starting")}
	for filter, want := range map[string]string{"health=healthy": "a", "health=unhealthy": "b", "health=none": "c", "health=starting": "d"} {
		got := filterContainers(list, &PsOptions{Last: -1, Filters: []string{filter}})
		var names []string
		for _, c := range got {
			names = append(names, c.Name)
		}
		if strings.Join(names, ",") != want {
			t.Errorf("ps --filter %s = %q, want %q", filter, names, want)
		}
	}
}
