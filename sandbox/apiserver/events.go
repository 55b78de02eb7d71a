package apiserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/events"
)

func (s *Server) eventRoutes() {
	s.handle("GET /events", s.events)
}

// events streams the engine's events (GET /events): those since `since`
// first, then new ones as they happen, until `until` passes or the client
// hangs up. Events come from every process on the state root (the CLI,
// this server, the containers' monitors) through its event log.
func (s *Server) events(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err != nil {
		return err
	}
	if err := f.only("container", "event", "type", "label", "network", "volume", "image", "scope"); err != nil {
		return err
	}
	now := time.Now()
	since, err := timestampParam(r, "since")
	if err != nil {
		return err
	}
	until, err := timestampParam(r, "until")
	if err != nil {
		return err
	}
	if !until.IsZero() && !since.IsZero() && until.Before(since) {
		return badRequest("`since` time (%s) cannot be after `until` time (%s)", r.URL.Query().Get("since"), r.URL.Query().Get("until"))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	enc := json.NewEncoder(w)
	opts := events.Options{
		Since: since, Until: until, Follow: until.IsZero() || until.After(now),
		Match: func(m events.Message) bool { return matchEvent(f, m) },
	}
	return events.Open(s.e.Root()).Read(r.Context(), opts, func(m events.Message) error {
		if err := enc.Encode(m); err != nil {
			return err
		}
		if flusher != nil {
			flusher.Flush()
		}
		return nil
	})
}

// matchEvent applies GET /events filters as Docker's daemon does
// (moby daemon/events/filter.go): names and ids match by prefix, label
// filters on the actor's attributes, and "event=health_status" matches
// every "health_status: ..." action.
func matchEvent(f filters, m events.Message) bool {
	fuzzy := func(v, s string) bool { return s != "" && strings.HasPrefix(s, v) }
	byName := func(typ string) func(string) bool {
		return func(v string) bool {
			return m.Type == typ && (fuzzy(v, m.Actor.ID) || fuzzy(v, m.Actor.Attributes["name"]))
		}
	}
	return f.match("type", func(v string) bool { return m.Type == v }) &&
		f.match("event", func(v string) bool {
			base, _, _ := strings.Cut(m.Action, ":")
			return m.Action == v || (!strings.Contains(v, ":") && base == v && base != m.Action)
		}) &&
		f.match("scope", func(v string) bool { return v == "local" }) &&
		f.match("container", byName(events.Container)) &&
		f.match("network", byName(events.Network)) &&
		f.match("volume", byName(events.Volume)) &&
		f.match("image", func(v string) bool { return m.Actor.Attributes["image"] == v }) &&
		f.match("label", func(v string) bool { return matchLabel(m.Actor.Attributes, v) })
}

// timestampParam parses since/until as Docker does: Unix seconds with
// optional fractional nanoseconds ("1700000000.123456789"), or RFC 3339;
// empty is the zero time.
func timestampParam(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, nil
	}
	sec, frac, _ := strings.Cut(v, ".")
	n, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, badRequest("invalid value for %s: %q is not a Unix timestamp", name, v)
	}
	var nsec int64
	if frac != "" {
		frac = (frac + "000000000")[:9]
		if nsec, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return time.Time{}, badRequest("invalid value for %s: %q is not a Unix timestamp", name, v)
		}
	}
	return time.Unix(n, nsec), nil
}
