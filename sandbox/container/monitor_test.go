package container

import (
	"os"
	"testing"
)

func TestPolicyRestarts(t *testing.T) {
	tests := []struct {
		policy         RestartPolicy
		code, restarts int
		want           bool
	}{
		{RestartPolicy{}, 1, 0, false},
		{RestartPolicy{Name: "no"}, 1, 0, false},
		{RestartPolicy{Name: "always"}, 0, 5, true},
		{RestartPolicy{Name: "unless-stopped"}, 0, 0, true},
		{RestartPolicy{Name: "on-failure"}, 0, 0, false},
		{RestartPolicy{Name: "on-failure"}, 2, 100, true},
		{RestartPolicy{Name: "on-failure", MaximumRetryCount: 3}, 2, 2, true},
		{RestartPolicy{Name: "on-failure", MaximumRetryCount: 3}, 2, 3, false},
	}
	for _, tt := range tests {
		if got := policyRestarts(tt.policy, tt.code, tt.restarts); got != tt.want {
			t.Errorf("policyRestarts(%+v, %d, %d) = %v, want %v", tt.policy, tt.code, tt.restarts, got, tt.want)
		}
	}
}

// TestRestartsReadsTheRecord: a policy that may restart is decided on the
// record as it is now (a stop requested meanwhile, the restarts so far),
// not on the monitor's copy from the start.
func TestRestartsReadsTheRecord(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := &Container{ID: newID(), Spec: Spec{Host: HostConfig{Restart: RestartPolicy{Name: "on-failure", MaximumRetryCount: 2}}}}
	m := &monitor{s: s, id: c.ID}
	if m.restarts(c, 1) {
		t.Errorf("restarts without a record = true, want false")
	}
	for _, tt := range []struct {
		state State
		want  bool
	}{
		{State{}, true},
		{State{StopRequested: true}, false},
		{State{RestartCount: 2}, false},
	} {
		rec := *c
		rec.State = tt.state
		if err := os.MkdirAll(s.Dir(c.ID), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := s.saveRunState(&rec); err != nil {
			t.Fatal(err)
		}
		if got := m.restarts(c, 1); got != tt.want {
			t.Errorf("restarts with the record's state %+v = %v, want %v", tt.state, got, tt.want)
		}
	}
}
