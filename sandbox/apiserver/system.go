package apiserver

import (
	"net/http"
	"os"
	"runtime"
	"time"

	"github.com/moby/moby/api/types/system"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/container"
)

func (s *Server) routes() {
	s.mux.HandleFunc("/", s.notFound)
	s.handle("GET /_ping", s.ping)
	s.handle("HEAD /_ping", s.ping)
	s.handle("GET /version", s.versionInfo)
	s.handle("GET /info", s.info)
	s.containerRoutes()
	s.archiveRoutes()
	s.execRoutes()
	s.imageRoutes()
	s.networkRoutes()
	s.volumeRoutes()
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

func kernelVersion() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

func (s *Server) versionInfo(w http.ResponseWriter, r *http.Request) error {
	v := system.VersionResponse{
		Platform:      struct{ Name string }{Name: "Dockyard"},
		Version:       s.version,
		APIVersion:    APIVersion,
		MinAPIVersion: MinAPIVersion,
		GoVersion:     runtime.Version(),
		Os:            runtime.GOOS,
		Arch:          runtime.GOARCH,
		KernelVersion: kernelVersion(),
		Components: []system.ComponentVersion{{
			Name: "Engine", Version: s.version,
			Details: map[string]string{"ApiVersion": APIVersion, "MinAPIVersion": MinAPIVersion, "Os": runtime.GOOS, "Arch": runtime.GOARCH},
		}},
	}
	return writeJSON(w, http.StatusOK, v)
}

func (s *Server) info(w http.ResponseWriter, r *http.Request) error {
	all, err := s.e.Containers.List()
	if err != nil {
		return err
	}
	info := system.Info{
		ID:                 "dockyard",
		Driver:             "overlay2",
		DockerRootDir:      s.e.Root(),
		OperatingSystem:    "Dockyard sandbox",
		OSType:             runtime.GOOS,
		Architecture:       runtime.GOARCH,
		KernelVersion:      kernelVersion(),
		NCPU:               runtime.NumCPU(),
		ServerVersion:      s.version,
		LoggingDriver:      "json-file",
		CgroupDriver:       "cgroupfs",
		DefaultRuntime:     "runc",
		SystemTime:         time.Now().Format(time.RFC3339Nano),
		IndexServerAddress: "https://index.docker.io/v1/",
		SecurityOptions:    []string{"name=seccomp,profile=builtin"},
	}
	if host, err := os.Hostname(); err == nil {
		info.Name = host
	}
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) == nil {
		info.MemTotal = int64(si.Totalram) * int64(si.Unit)
	}
	for _, c := range all {
		info.Containers++
		switch c.State.Status {
		case container.Running, container.Restarting:
			info.ContainersRunning++
		default:
			info.ContainersStopped++
		}
	}
	if imgs, err := s.e.Images.List(r.Context()); err == nil {
		info.Images = len(imgs)
	}
	return writeJSON(w, http.StatusOK, info)
}
