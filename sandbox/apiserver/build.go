package apiserver

func (s *Server) buildRoutes() {}
