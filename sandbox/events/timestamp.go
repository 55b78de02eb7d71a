package events

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Layouts of --since and --until besides RFC 3339, as Docker's client
// accepts them (moby client/internal/timestamp).
const (
	rfc3339Local     = "2006-01-02T15:04:05"
	rfc3339NanoLocal = "2006-01-02T15:04:05.999999999"
	dateWithZone     = "2006-01-02Z07:00"
	dateLocal        = "2006-01-02"
)

// Timestamp is what Docker's client sends for a --since or --until value:
// a duration ("10m") counts back from now, a date or RFC 3339 time (local
// when it names no zone) becomes "seconds.nanoseconds", and a Unix
// timestamp passes as it is (moby client/internal/timestamp.GetTimestamp).
func Timestamp(value string, now time.Time) (string, error) {
	if d, err := time.ParseDuration(value); value != "0" && err == nil {
		return strconv.FormatInt(now.Add(-d).Unix(), 10), nil
	}
	// A Z, a + or three dashes name a zone; otherwise the time is local.
	local := !strings.ContainsAny(value, "zZ+") && strings.Count(value, "-") != 3
	var format string
	switch {
	case strings.Contains(value, "."):
		format = time.RFC3339Nano
		if local {
			format = rfc3339NanoLocal
		}
	case strings.Contains(value, "T"):
		colons := strings.Count(value, ":")
		if !local && !strings.ContainsAny(value, "zZ") && colons > 0 {
			colons-- // the zone offset's colon
		}
		layouts := []string{"2006-01-02T15Z07:00", "2006-01-02T15:04Z07:00", time.RFC3339}
		if local {
			layouts = []string{"2006-01-02T15", "2006-01-02T15:04", rfc3339Local}
		}
		format = layouts[min(colons, 2)]
	case local:
		format = dateLocal
	default:
		format = dateWithZone
	}
	var t time.Time
	var err error
	if local {
		t, err = time.ParseInLocation(format, value, time.FixedZone(now.Zone()))
	} else {
		t, err = time.Parse(format, value)
	}
	if err != nil {
		if strings.Contains(value, "-") {
			return "", err
		}
		if _, err := ParseTimestamp("", value); err != nil {
			return "", fmt.Errorf("failed to parse value as time or duration: %q", value)
		}
		return value, nil
	}
	return fmt.Sprintf("%d.%09d", t.Unix(), int64(t.Nanosecond())), nil
}

// ParseTimestamp reads a timestamp as GET /events takes it: Unix seconds
// with optional fractional nanoseconds ("1700000000.123456789"), or
// RFC 3339; empty is the zero time. name is the parameter, for the error.
func ParseTimestamp(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	bad := fmt.Errorf("invalid value for %s: %q is not a Unix timestamp", name, v)
	sec, frac, hasFrac := strings.Cut(v, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, bad
	}
	var nsec int64
	if hasFrac {
		n, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || n < 0 {
			return time.Time{}, bad
		}
		nsec = int64(float64(n) * math.Pow(10, float64(9-len(frac))))
	}
	return time.Unix(s, nsec), nil
}
