package image_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/dockyard-lab/dockyard/sandbox/idindex"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

// binDir holds the dockyard binary built for the scripts, and a docker
// symlink to it, so scripts read `exec docker images` as a student types it.
var binDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if os.Geteuid() != 0 {
		// The scripts need root; TestScripts says so when it skips.
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "dockyard-script-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(goBin, "build", "-tags", "seccomp,netgo,osusergo", "-o", filepath.Join(dir, "dockyard"), "github.com/dockyard-lab/dockyard/cmd/dockyard")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build dockyard: %v\n%s", err, out)
		return 1
	}
	if err := os.Symlink("dockyard", filepath.Join(dir, "docker")); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	binDir = dir
	return m.Run()
}

// TestScripts runs testdata/script/*.txtar: each script gets its own state
// root and its own loopback registry holding
//
//	$REGISTRY/busybox:1.36, $REGISTRY/library/busybox:latest   busybox ($BUSYBOX_ID, layer $BUSYBOX_LAYER)
//	$REGISTRY/busybox:next                                    busybox with a label ($NEXT_ID)
//
// and $DIGEST is the manifest digest of busybox:1.36.
func TestScripts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the engine refuses to run without it")
	}
	bb := imagetest.Busybox(t)
	next := imagetest.WithLabel(t, bb, "version", "next")
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
			env.Defer(srv.Close)
			host := strings.TrimPrefix(srv.URL, "http://")
			digest, err := push(host+"/busybox:1.36", bb)
			if err != nil {
				return err
			}
			if _, err := push(host+"/library/busybox:latest", bb); err != nil {
				return err
			}
			if _, err := push(host+"/busybox:next", next); err != nil {
				return err
			}
			id, _ := bb.ConfigName()
			nextID, _ := next.ConfigName()
			layers, _ := bb.Layers()
			ld, _ := layers[0].Digest()
			env.Setenv("PATH", binDir+string(os.PathListSeparator)+env.Getenv("PATH"))
			env.Setenv("DOCKYARD_ROOT", filepath.Join(env.WorkDir, "root"))
			env.Setenv("REGISTRY", host)
			env.Setenv("DIGEST", digest.String())
			env.Setenv("BUSYBOX_ID", id.String())
			env.Setenv("BUSYBOX_SHORT", idindex.Short(id.String()))
			env.Setenv("NEXT_ID", nextID.String())
			env.Setenv("NEXT_SHORT", idindex.Short(nextID.String()))
			env.Setenv("BUSYBOX_LAYER", idindex.Short(ld.String()))
			return nil
		},
	})
}

func push(ref string, img v1.Image) (v1.Hash, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.Write(r, img, remote.WithContext(context.Background())); err != nil {
		return v1.Hash{}, fmt.Errorf("push %s: %w", ref, err)
	}
	return img.Digest()
}
