package events

import (
	"testing"
	"time"
)

// Timestamp converts --since/--until values as Docker's client does
// (the cases of moby client/internal/timestamp's tests).
func TestTimestamp(t *testing.T) {
	now := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ in, want string }{
		{"10m", "1796406600"},
		{"0s", "1796407200"},
		{"0", "0"},
		{"1700000000", "1700000000"},
		{"1700000000.000000001", "1700000000.000000001"},
		{"2006-01-02T15:04:05Z", "1136214245.000000000"},
		{"2006-01-02T15:04:05.999999999+07:00", "1136189045.999999999"},
		{"2006-01-02T15:04:05", "1136214245.000000000"},
		{"2006-01-02T15:04", "1136214240.000000000"},
		{"2006-01-02T15", "1136214000.000000000"},
		{"2006-01-02", "1136160000.000000000"},
		{"2006-01-02Z", "1136160000.000000000"},
	} {
		got, err := Timestamp(tc.in, now)
		if err != nil || got != tc.want {
			t.Errorf("Timestamp(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"yesterday", "2006-13-02", "1.5x"} {
		if got, err := Timestamp(bad, now); err == nil {
			t.Errorf("Timestamp(%q) = %q, want an error", bad, got)
		}
	}
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"1700000000", time.Unix(1700000000, 0)},
		{"1700000000.5", time.Unix(1700000000, 500000000)},
		{"1700000000.000000001", time.Unix(1700000000, 1)},
		{"2026-12-04T18:00:00Z", now},
	} {
		if got, err := ParseTimestamp("since", tc.in); err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseTimestamp(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseTimestamp("since", "10m"); err == nil || err.Error() != `invalid value for since: "10m" is not a Unix timestamp` {
		t.Errorf(`ParseTimestamp("10m") = %v, want not a Unix timestamp`, err)
	}
}

// Match applies the daemon's filters: alternatives within a key, every
// key and every label must hold, names and ids by prefix.
func TestMatch(t *testing.T) {
	c := New(Container, "health_status: healthy", "3f2a9c", map[string]string{"name": "web-1", "image": "nginx", "com.docker.compose.project": "demo"}, time.Now())
	v := New(Volume, "create", "data", map[string]string{"driver": "local"}, time.Now())
	for _, tc := range []struct {
		filters map[string][]string
		c, v    bool
	}{
		{nil, true, true},
		{map[string][]string{"type": {"container"}}, true, false},
		{map[string][]string{"type": {"volume", "container"}}, true, true},
		{map[string][]string{"event": {"health_status"}}, true, false},
		{map[string][]string{"event": {"health_status: unhealthy"}}, false, false},
		{map[string][]string{"event": {"create"}}, false, true},
		{map[string][]string{"container": {"web"}}, true, false},
		{map[string][]string{"container": {"3f2"}}, true, false},
		{map[string][]string{"container": {"db"}}, false, false},
		{map[string][]string{"volume": {"data"}}, false, true},
		{map[string][]string{"label": {"com.docker.compose.project=demo"}}, true, false},
		{map[string][]string{"label": {"com.docker.compose.project=demo", "com.docker.compose.service"}}, false, false},
		{map[string][]string{"image": {"nginx"}, "type": {"container"}}, true, false},
		{map[string][]string{"scope": {"swarm"}}, false, false},
	} {
		if got := Match(tc.filters, c); got != tc.c {
			t.Errorf("Match(%v, container event) = %v, want %v", tc.filters, got, tc.c)
		}
		if got := Match(tc.filters, v); got != tc.v {
			t.Errorf("Match(%v, volume event) = %v, want %v", tc.filters, got, tc.v)
		}
	}
}

// A query is refused as the daemon refuses it: an unknown filter, a bad
// timestamp, since after until; a past until ends the read.
func TestQueryOptions(t *testing.T) {
	now := time.Unix(1800000000, 0)
	for _, tc := range []struct {
		q    Query
		want string
	}{
		{Query{Filters: map[string][]string{"colour": {"red"}}}, "invalid filter 'colour'"},
		{Query{Since: "soon"}, `invalid value for since: "soon" is not a Unix timestamp`},
		{Query{Since: "1700000002", Until: "1700000001"}, "`since` time (1700000002) cannot be after `until` time (1700000001)"},
	} {
		if _, err := tc.q.Options(now); err == nil || err.Error() != tc.want {
			t.Errorf("%+v.Options() = %v, want %q", tc.q, err, tc.want)
		}
	}
	o, err := Query{Since: "1700000000", Until: "1700000001"}.Options(now)
	if err != nil || o.Follow || !o.Until.Equal(time.Unix(1700000001, 0)) {
		t.Errorf("past window: %+v, %v; want a read that ends", o, err)
	}
	if o, _ := (Query{}).Options(now); !o.Follow {
		t.Errorf("no window: Follow = %v, want true", o.Follow)
	}
}
