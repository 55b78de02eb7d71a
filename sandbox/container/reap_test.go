package container

import "testing"

func TestParseStat(t *testing.T) {
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
		comm, state, ppid, ok := parseStat([]byte(tc.in))
		if string(comm) != tc.comm || state != tc.state || ppid != tc.ppid || ok != tc.ok {
			t.Errorf("parseStat(%q) = %q %q %d %v, want %q %q %d %v", tc.in, comm, state, ppid, ok, tc.comm, tc.state, tc.ppid, tc.ok)
		}
	}
}
