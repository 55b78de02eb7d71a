package apiserver

import (
	"net/http"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

func (s *Server) routes() {
	s.mux.HandleFunc("/", s.notFound)
	s.handle("GET /_ping", s.ping)
	s.handle("HEAD /_ping", s.ping)
	s.handle("GET /version", s.versionInfo)
	s.handle("GET /info", s.info)
	s.handle("GET /system/df", s.systemDf)
	s.containerRoutes()
	s.archiveRoutes()
	s.execRoutes()
	s.imageRoutes()
	s.networkRoutes()
	s.volumeRoutes()
	s.eventRoutes()
	s.buildRoutes()
}

// ping is GET and HEAD /_ping: "OK" with the API version in the headers,
// which the client uses to negotiate.
func (s *Server) ping(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-cache, no-store, must-revalidate")
	w.Header().Set("Pragma", "no-cache")
	w.Header().Set("Ostype", "linux")
	w.Header().Set("Builder-Version", "1")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Length", "0")
		return nil
	}
	_, err := w.Write([]byte("OK"))
	return err
}

func (s *Server) versionInfo(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, engine.Version(s.version))
}

func (s *Server) info(w http.ResponseWriter, r *http.Request) error {
	info, err := s.e.Info(r.Context(), s.version)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, info)
}
