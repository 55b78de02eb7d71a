package main

import (
	"go/ast"
	"go/parser"
	"go/token"
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

// compilesAtInit are the packages in dockyard allowed to compile a regexp
// in their package initialisation, and why. The first regexp compiled in a
// process costs most (regexp's own code is read in), each one after it a
// few hundredths of a millisecond; the third_party/ copies of buildkit,
// go-containerregistry and survey compile theirs on first use instead.
var compilesAtInit = map[string]string{
	"github.com/opencontainers/go-digest": "its exported DigestRegexp and DigestRegexpAnchored are API; the copy in third_party/ made the rest lazy",
	"github.com/jackc/pgpassfile":         "pgx's .pgpass reader, one small regexp",
	"github.com/spf13/cobra":              "one small regexp (completion's environment variable names); cobra parses every command line",
}

// TestNoRegexpCompiledAtInit: no package linked into dockyard compiles a
// regexp in a package-level variable or an init function, but those
// allowed above; a regexp compiles on first use (sync.OnceValue).
func TestNoRegexpCompiledAtInit(t *testing.T) {
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goCmd, "list", "-tags", "seccomp,netgo,osusergo", "-deps",
		"-f", `{{.ImportPath}} {{.Dir}} {{join .GoFiles " "}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	found := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 3 || !strings.Contains(fields[0], ".") { // the standard library compiles none
			continue
		}
		for _, name := range fields[2:] {
			file := filepath.Join(fields[1], name)
			if pos := regexpAtInit(t, file); pos != "" {
				found[fields[0]] = true
				if _, ok := compilesAtInit[fields[0]]; !ok {
					t.Errorf("%s compiles a regexp at package initialisation (%s), which every dockyard start pays for: compile it on first use", fields[0], pos)
				}
			}
		}
	}
	for pkg := range compilesAtInit {
		if !found[pkg] {
			t.Errorf("%s no longer compiles a regexp at init: drop it from compilesAtInit", pkg)
		}
	}
}

// regexpAtInit returns the position of a regexp compiled in file's
// package-level variables or init functions, outside function literals, or
// "".
func regexpAtInit(t *testing.T, file string) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	name := ""
	for _, imp := range f.Imports {
		if imp.Path.Value == `"regexp"` {
			name = "regexp"
			if imp.Name != nil {
				name = imp.Name.Name
			}
		}
	}
	if name == "" {
		return ""
	}
	var at token.Pos
	find := func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == name && strings.HasPrefix(sel.Sel.Name, "MustCompile") && !at.IsValid() {
					at = n.Pos()
				}
			}
		}
		return true
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.GenDecl:
			if d.Tok == token.VAR {
				ast.Inspect(d, find)
			}
		case *ast.FuncDecl:
			if d.Name.Name == "init" && d.Recv == nil && d.Body != nil {
				ast.Inspect(d.Body, find)
			}
		}
	}
	if !at.IsValid() {
		return ""
	}
	return fset.Position(at).String()
}
