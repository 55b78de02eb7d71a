package container

import (
	"strings"
	"testing"
	"time"
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
