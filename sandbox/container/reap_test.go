package container

import (
	"strconv"
	"testing"
)

func TestSplitStat(t *testing.T) {
	for _, tc := range []struct {
		in    string
		comm  string
		state byte
		ppid  int
		ok    bool
	}{
		{"24261 (runc:[2:INIT]) Z 23480 24261 23514 0 -1", "runc:[2:INIT]", 'Z', 23480, true},
		// A name may hold spaces and parentheses; the last ")" ends it.
		{"7 (a) b (c) S 1 7 7 0", "a) b (c", 'S', 1, true},
		{"7 (sleep S 1", "", 0, 0, false},
		{"7 (sleep) S", "", 0, 0, false},
		{"", "", 0, 0, false},
	} {
		comm, f, ok := splitStat([]byte(tc.in))
		// What reapFailedExecs needs: a name, a state and a parent.
		ok = ok && len(f) >= 2 && len(f[0]) == 1
		var state byte
		ppid := 0
		if ok {
			state = f[0][0]
			ppid, _ = strconv.Atoi(f[1])
		} else {
			comm = ""
		}
		if comm != tc.comm || state != tc.state || ppid != tc.ppid || ok != tc.ok {
			t.Errorf("splitStat(%q) = %q %q %v, want name %q, state %q, parent %d (%v)", tc.in, comm, f, ok, tc.comm, tc.state, tc.ppid, tc.ok)
		}
	}
}
