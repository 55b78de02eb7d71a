package events

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// FilterKeys are the filters GET /events and `docker events` accept.
var FilterKeys = []string{"container", "event", "type", "label", "network", "volume", "image", "scope"}

// Query is what a client asks of the log, as GET /events takes it:
// since and until as Unix timestamps or RFC 3339 (see ParseTimestamp),
// and filters by key.
type Query struct {
	Since, Until string
	Filters      map[string][]string
}

// Options turns a query into read options at time now, as Docker's daemon
// does: past events from since, then new ones until until passes; a query
// whose until is already past ends after the past events.
func (q Query) Options(now time.Time) (Options, error) {
	for k := range q.Filters {
		if !slices.Contains(FilterKeys, k) {
			return Options{}, fmt.Errorf("invalid filter '%s'", k)
		}
	}
	since, err := ParseTimestamp("since", q.Since)
	if err != nil {
		return Options{}, err
	}
	until, err := ParseTimestamp("until", q.Until)
	if err != nil {
		return Options{}, err
	}
	if !until.IsZero() && !since.IsZero() && until.Before(since) {
		return Options{}, fmt.Errorf("`since` time (%s) cannot be after `until` time (%s)", q.Since, q.Until)
	}
	f := q.Filters
	return Options{
		Since: since, Until: until, Follow: until.IsZero() || until.After(now),
		Match: func(m Message) bool { return Match(f, m) },
	}, nil
}

// Match reports whether m passes filters as Docker's daemon applies them
// (moby daemon/events/filter.go): values of one key are alternatives, all
// keys must hold (every label filter must); names and ids match by
// prefix, label filters the actor's attributes, and "event=health_status"
// matches every "health_status: ..." action.
func Match(filters map[string][]string, m Message) bool {
	anyOf := func(key string, fn func(v string) bool) bool {
		vs := filters[key]
		return len(vs) == 0 || slices.ContainsFunc(vs, fn)
	}
	for _, v := range filters["label"] {
		if !hasLabel(m.Actor.Attributes, v) {
			return false
		}
	}
	fuzzy := func(v, s string) bool { return s != "" && strings.HasPrefix(s, v) }
	byName := func(typ string) func(string) bool {
		return func(v string) bool {
			return m.Type == typ && (fuzzy(v, m.Actor.ID) || fuzzy(v, m.Actor.Attributes["name"]))
		}
	}
	return anyOf("type", func(v string) bool { return m.Type == v }) &&
		anyOf("event", func(v string) bool {
			base, _, _ := strings.Cut(m.Action, ":")
			return m.Action == v || (!strings.Contains(v, ":") && base == v && base != m.Action)
		}) &&
		anyOf("scope", func(v string) bool { return v == "local" }) &&
		anyOf("container", byName(Container)) &&
		anyOf("network", byName(Network)) &&
		anyOf("volume", byName(Volume)) &&
		anyOf("image", func(v string) bool { return m.Actor.Attributes["image"] == v })
}

// hasLabel matches "key" (present) or "key=value".
func hasLabel(labels map[string]string, filter string) bool {
	k, v, hasValue := strings.Cut(filter, "=")
	got, ok := labels[k]
	return ok && (!hasValue || got == v)
}
