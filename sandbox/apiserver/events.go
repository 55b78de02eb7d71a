package apiserver

import (
	"encoding/json"
	"net/http"
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
	q := events.Query{Since: r.URL.Query().Get("since"), Until: r.URL.Query().Get("until"), Filters: f}
	opts, err := q.Options(time.Now())
	if err != nil {
		return badRequest("%s", err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush()
	}
	enc := json.NewEncoder(w)
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
