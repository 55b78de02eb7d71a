package engine

import (
	"reflect"
	"testing"
	"time"
)

func TestParsePs(t *testing.T) {
	out := []byte(`UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 10:00 ?        00:00:01 /sbin/init
root        4242    4200  0 10:01 ?        00:00:00 sleep 1000
nobody      4243    4242  0 10:01 ?        00:00:00 sh -c echo a  b
`)
	got, err := parsePs(out, []int{4242, 4243})
	if err != nil {
		t.Fatal(err)
	}
	wantTitles := []string{"UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"}
	if !reflect.DeepEqual(got.Titles, wantTitles) {
		t.Errorf("Titles = %q, want %q", got.Titles, wantTitles)
	}
	want := [][]string{
		{"root", "4242", "4200", "0", "10:01", "?", "00:00:00", "sleep 1000"},
		{"nobody", "4243", "4242", "0", "10:01", "?", "00:00:00", "sh -c echo a b"},
	}
	if !reflect.DeepEqual(got.Processes, want) {
		t.Errorf("Processes = %q, want %q", got.Processes, want)
	}

	if _, err := parsePs([]byte("USER COMMAND\nroot init\n"), nil); KindOf(err) != InvalidArgument {
		t.Errorf("parsePs without a PID column: KindOf(%v) = %v, want InvalidArgument", err, KindOf(err))
	}
	got, err = parsePs(out, nil)
	if err != nil || got.Processes == nil || len(got.Processes) != 0 {
		t.Errorf("parsePs(no pids) = %q, %v, want an empty, non-nil list", got.Processes, err)
	}
}

// TestParseTail: docker logs --tail and the API's tail are read as Docker's
// daemon reads them, by both front ends.
func TestParseTail(t *testing.T) {
	tests := map[string]int{"3": 3, "0": 0, "all": -1, "": -1, "x": -1, "-1": -1, "-5": -1, "2.5": -1}
	for in, want := range tests {
		if got := ParseTail(in); got != want {
			t.Errorf("ParseTail(%q) = %d, want %d", in, got, want)
		}
	}
}

// TestStopTimeout: -t, --timeout and the API's t in seconds; a negative
// one waits as long as the container takes, as Docker's daemon.
func TestStopTimeout(t *testing.T) {
	if got := StopTimeout(3); got != 3*time.Second {
		t.Errorf("StopTimeout(3) = %v, want 3s", got)
	}
	if got := StopTimeout(0); got != 0 {
		t.Errorf("StopTimeout(0) = %v, want 0", got)
	}
	if got := StopTimeout(-1); got < 24*time.Hour {
		t.Errorf("StopTimeout(-1) = %v, want no limit in practice", got)
	}
}
