package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Go runs the package initialisation of every package linked into a
// binary when it starts, whatever the command line: a package that only
// `docker pull` calls still costs `dockyard progress` its package-level
// work. These packages did costly work at start-up (regexps compiled,
// tables built) and Dockyard needs none of them; the test keeps them out of
// the binary. .ci/bench/init.bench.sh measures what is left. Others cost
// the most compile before a new user's first lesson (issue 20: `bash
// .ci/setup && make learn` compiles every package from an empty cache).
var notInBinary = map[string]string{
	"github.com/distribution/reference":  "compiles ten regexps (~2.5 ms); sandbox/imageref parses Docker references itself",
	"github.com/moby/moby/client":        "imports distribution/reference and OpenTelemetry; checker/dockerapi speaks the Engine API itself",
	"go.opentelemetry.io/otel":           "tracing Dockyard does not use, brought in by the moby client",
	"github.com/alecthomas/chroma/v2":    "its lexers and styles registered at start-up cost ~29 ms (issue 19)",
	"github.com/microcosm-cc/bluemonday": "HTML sanitising policies built at start-up",
	"github.com/yuin/goldmark/extension": "its package-level tables cost ~2 ms; lessons/screen finds tables itself",
	"net/http/pprof":                     "registers its handlers on http.DefaultServeMux at start-up; sandbox/apiserver serves --debug's profiles with runtime/pprof",
	"google.golang.org/protobuf":         "descriptors registered and the executable hashed at start-up (~0.8 ms, 32 packages to compile); only buildkit's util/stack brought it, which third_party/github.com/moby/buildkit's parser no longer imports",
	"github.com/containerd/typeurl":      "brings protobuf; only buildkit's util/stack used it",
	"go/ast":                             "Go's parser and printer (~3 CPU-seconds of compile, with go/parser, go/printer and go/format); only cilium/ebpf's bpf2go code generator used them, which third_party/github.com/cilium/ebpf leaves out",
	"github.com/miekg/dns":               "a whole DNS library (~4 CPU-seconds of compile with golang.org/x/net/ipv4 and ipv6, and in dockyard-monitor too) for the embedded DNS's one-question answers; sandbox/network answers with golang.org/x/net/dns/dnsmessage and sandbox/resolvconf reads resolv.conf",
	"github.com/jackc/pgx/v5/pgtype":     "pgx's type system: ~9.5 of ~150 CPU-seconds of compile from an empty cache, with database/sql and encoding/xml; the checker reads rows as text through pgconn, which third_party/github.com/jackc/pgx/v5 no longer ties to pgtype",
}

func TestStartupImports(t *testing.T) {
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goCmd, "list", "-tags", "seccomp", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 100 {
		t.Fatalf("go list -deps = %d packages, want the whole binary's", len(deps))
	}
	for _, dep := range deps {
		for banned, why := range notInBinary {
			if dep == banned || strings.HasPrefix(dep, banned+"/") {
				t.Errorf("dockyard links %s: %s", dep, why)
			}
		}
	}
}

// The front ends (the docker command line, the Engine API server, the
// checker) go through sandbox/engine, never to the stores beneath it, so
// that how containers are listed, pruned or created is written once
// (issue 19).
func TestFrontEndsDoNotImportStores(t *testing.T) {
	const mod = "github.com/dockyard-lab/dockyard/"
	stores := []string{"sandbox/container", "sandbox/image", "sandbox/network", "sandbox/volume"}
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goCmd, "list", "-tags", "seccomp", "-f", `{{.ImportPath}} {{join .Imports " "}}`,
		mod+"cmd/...", mod+"sandbox/apiserver/...", mod+"checker/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 20 {
		t.Fatalf("go list named %d packages, want every front end's", len(lines))
	}
	for _, line := range lines {
		pkg, imports, _ := strings.Cut(line, " ")
		for _, imp := range strings.Fields(imports) {
			for _, s := range stores {
				if imp == mod+s {
					t.Errorf("%s imports the store %s: go through sandbox/engine", strings.TrimPrefix(pkg, mod), s)
				}
			}
		}
	}
}
