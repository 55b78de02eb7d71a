package apiserver

import (
	"net/http"
	"strings"

	apinet "github.com/moby/moby/api/types/network"
	apivol "github.com/moby/moby/api/types/volume"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

func (s *Server) networkRoutes() {
	s.handle("GET /networks", s.listNetworks)
	s.handle("GET /networks/{$}", s.listNetworks)
	s.handle("POST /networks/create", s.createNetwork)
	s.handle("POST /networks/prune", s.pruneNetworks)
	s.handle("GET /networks/{id}", s.inspectNetwork)
	s.handle("DELETE /networks/{id}", s.removeNetwork)
	s.handle("POST /networks/{id}/connect", s.connectNetwork)
	s.handle("POST /networks/{id}/disconnect", s.disconnectNetwork)
}

func (s *Server) listNetworks(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err != nil {
		return err
	}
	out, err := s.e.InspectNetworks(r.Context(), engine.Filters(f))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) inspectNetwork(w http.ResponseWriter, r *http.Request) error {
	in, err := s.e.InspectNetwork(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, in)
}

func (s *Server) createNetwork(w http.ResponseWriter, r *http.Request) error {
	var req apinet.CreateRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Name == "" {
		return badRequest("network name is required")
	}
	o := engine.NetworkCreateOptions{Name: req.Name, Driver: req.Driver, Internal: req.Internal, Labels: req.Labels}
	if req.IPAM != nil {
		if len(req.IPAM.Config) > 1 {
			return badRequest("Dockyard's networks take one subnet (got %d)", len(req.IPAM.Config))
		}
		for _, c := range req.IPAM.Config {
			if c.Subnet.IsValid() {
				o.Subnet = c.Subnet.String()
			}
			if c.Gateway.IsValid() {
				o.Gateway = c.Gateway.String()
			}
		}
	}
	_ = s.e.ReconcileNetworks(r.Context())
	n, err := s.e.CreateNetwork(r.Context(), o)
	if err != nil {
		if engine.KindOf(err) == engine.Conflict {
			return conflict("%v", err)
		}
		if statusOf(err) == http.StatusInternalServerError {
			return badRequest("%v", err) // bad driver, subnet or gateway
		}
		return err
	}
	return writeJSON(w, http.StatusCreated, apinet.CreateResponse{ID: n.ID})
}

func (s *Server) removeNetwork(w http.ResponseWriter, r *http.Request) error {
	if err := s.e.RemoveNetwork(r.Context(), r.PathValue("id")); err != nil {
		if statusOf(err) == http.StatusInternalServerError && strings.Contains(err.Error(), "pre-defined") {
			return &statusError{code: http.StatusForbidden, msg: err.Error()}
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) pruneNetworks(w http.ResponseWriter, r *http.Request) error {
	names, err := s.e.PruneNetworks(r.Context())
	if err != nil {
		return err
	}
	if names == nil {
		names = []string{}
	}
	return writeJSON(w, http.StatusOK, apinet.PruneReport{NetworksDeleted: names})
}

func (s *Server) connectNetwork(w http.ResponseWriter, r *http.Request) error {
	var req apinet.ConnectRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Container == "" {
		return badRequest("missing the container to connect: {\"Container\": NAME}")
	}
	var aliases []string
	if req.EndpointConfig != nil {
		aliases = req.EndpointConfig.Aliases
	}
	if _, err := s.e.Container(req.Container); err != nil {
		return err
	}
	if err := s.e.NetworkConnect(r.Context(), r.PathValue("id"), req.Container, aliases); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) disconnectNetwork(w http.ResponseWriter, r *http.Request) error {
	var req apinet.DisconnectRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Container == "" {
		return badRequest("missing the container to disconnect: {\"Container\": NAME}")
	}
	if err := s.e.NetworkDisconnect(r.Context(), r.PathValue("id"), req.Container); err != nil {
		return err
	}
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *Server) volumeRoutes() {
	s.handle("GET /volumes", s.listVolumes)
	s.handle("POST /volumes/create", s.createVolume)
	s.handle("POST /volumes/prune", s.pruneVolumes)
	s.handle("GET /volumes/{name}", s.inspectVolume)
	s.handle("DELETE /volumes/{name}", s.removeVolume)
}

func (s *Server) listVolumes(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err != nil {
		return err
	}
	list, err := s.e.ListVolumes(r.Context(), engine.Filters(f))
	if err != nil {
		return err
	}
	out := apivol.ListResponse{Volumes: []apivol.Volume{}, Warnings: []string{}}
	for _, v := range list {
		out.Volumes = append(out.Volumes, engine.VolumeInspect(v))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) createVolume(w http.ResponseWriter, r *http.Request) error {
	var req apivol.CreateRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if req.Driver != "" && req.Driver != "local" {
		return badRequest("volume driver %q is not available: Dockyard has the local driver only", req.Driver)
	}
	if len(req.DriverOpts) > 0 {
		return badRequest("volume driver options are not available in Dockyard (got %d)", len(req.DriverOpts))
	}
	v, err := s.e.CreateVolume(r.Context(), engine.VolumeCreateOptions{Name: req.Name, Driver: req.Driver, Labels: req.Labels})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, engine.VolumeInspect(v))
}

func (s *Server) inspectVolume(w http.ResponseWriter, r *http.Request) error {
	v, err := s.e.InspectVolume(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, engine.VolumeInspect(v))
}

func (s *Server) removeVolume(w http.ResponseWriter, r *http.Request) error {
	err := s.e.RemoveVolume(r.Context(), r.PathValue("name"))
	if engine.KindOf(err) == engine.NotFound && boolParam(r, "force") {
		err = nil
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) pruneVolumes(w http.ResponseWriter, r *http.Request) error {
	f, err := parseFilters(r)
	if err != nil {
		return err
	}
	// Before API 1.42 a prune removed every unused volume, named ones
	// too; since, only anonymous ones unless all=true.
	all := versionLess(requestVersion(r), "1.42")
	names, reclaimed, err := s.e.PruneVolumes(r.Context(), all, engine.Filters(f))
	if err != nil {
		return err
	}
	if names == nil {
		names = []string{}
	}
	return writeJSON(w, http.StatusOK, apivol.PruneReport{VolumesDeleted: names, SpaceReclaimed: uint64(reclaimed)})
}
