package apiserver

import (
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// debugProfiles serves Go's runtime profiles under /debug/pprof/, as
// dockerd -D does, with the paths and query parameters of net/http/pprof
// (so `go tool pprof http://.../debug/pprof/heap` works): the index, any
// named profile (goroutine, heap, allocs, block, mutex, threadcreate) with
// ?debug=N for text, ?gc=1 before a heap profile, profile?seconds=N for
// the CPU, and cmdline. net/http/pprof itself is not linked: it registers
// its handlers on http.DefaultServeMux when the program starts, and that is
// paid by every dockyard command, not only by `dockyard --debug serve`
// (cmd/dockyard's TestStartupImports). Its symbol and trace endpoints are
// left out.
func debugProfiles(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(r.URL.Path, "/debug/pprof/")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	switch name {
	case "":
		profileIndex(w)
	case "cmdline":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprint(w, strings.Join(os.Args, "\x00"))
	case "profile":
		cpuProfile(w, r)
	default:
		p := pprof.Lookup(name)
		if p == nil {
			profileError(w, http.StatusNotFound, "Unknown profile")
			return
		}
		if gc, _ := strconv.Atoi(r.FormValue("gc")); gc > 0 && name == "heap" {
			runtime.GC()
		}
		debug, _ := strconv.Atoi(r.FormValue("debug"))
		if debug != 0 {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
		}
		_ = p.WriteTo(w, debug)
	}
}

// profileIndex lists the profiles and their counts, one a line.
func profileIndex(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tCOUNT")
	for _, p := range pprof.Profiles() {
		fmt.Fprintf(tw, "%s\t%d\n", p.Name(), p.Count())
	}
	fmt.Fprintln(tw, "profile\t(CPU, ?seconds=30)")
	fmt.Fprintln(tw, "cmdline\t")
	tw.Flush()
}

// cpuProfile records the CPU for ?seconds (30 by default) or until the
// client goes away.
func cpuProfile(w http.ResponseWriter, r *http.Request) {
	sec, err := strconv.ParseInt(r.FormValue("seconds"), 10, 64)
	if sec <= 0 || err != nil {
		sec = 30
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="profile"`)
	if err := pprof.StartCPUProfile(w); err != nil {
		profileError(w, http.StatusInternalServerError, "Could not enable CPU profiling: "+err.Error())
		return
	}
	defer pprof.StopCPUProfile()
	t := time.NewTimer(time.Duration(sec) * time.Second)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
}

func profileError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Del("Content-Disposition")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
