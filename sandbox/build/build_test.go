package build

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// The builder's tests use the real image store and a small runner that runs
// RUN steps with chroot over a real overlay mount: what the container
// engine adds (namespaces, network) is tested end to end elsewhere.

type storeImages struct{ s *image.Store }

func (si storeImages) Base(ctx context.Context, ref string, out io.Writer) (Base, error) {
	img, err := si.s.Get(ctx, ref)
	if err != nil {
		return Base{}, err
	}
	v, err := si.s.V1(img)
	return Base{ID: img.ID, Ref: ref, Image: v}, err
}

func (si storeImages) LayerDirs(ctx context.Context, id string) ([]string, error) {
	img, err := si.s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return si.s.LayerDirs(ctx, img)
}

func (si storeImages) Write(ctx context.Context, img v1.Image, tags ...string) (string, error) {
	stored, err := si.s.Write(ctx, img, tags...)
	if err != nil {
		return "", err
	}
	return stored.ID, nil
}

type chrootRunner struct{ runs *int }

func (c chrootRunner) Run(ctx context.Context, spec RunSpec) (int, error) {
	*c.runs++
	target, err := os.MkdirTemp("", "build-test-root-")
	if err != nil {
		return 0, err
	}
	defer os.Remove(target)
	work, err := os.MkdirTemp(filepath.Dir(spec.UpperDir), "work-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(work)
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", strings.Join(spec.LowerDirs, ":"), spec.UpperDir, work)
	if err := unix.Mount("overlay", target, "overlay", 0, opts); err != nil {
		return 0, err
	}
	defer unix.Unmount(target, unix.MNT_DETACH)
	for _, m := range spec.Mounts {
		dst := filepath.Join(target, m.Destination)
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return 0, err
		}
		if err := unix.Mount(m.Source, dst, "", unix.MS_BIND, ""); err != nil {
			return 0, err
		}
		defer unix.Unmount(dst, unix.MNT_DETACH)
	}
	if spec.WorkingDir != "" {
		os.MkdirAll(filepath.Join(target, spec.WorkingDir), 0o755)
	}
	cmd := exec.CommandContext(ctx, spec.Args[0], spec.Args[1:]...)
	cmd.Path = spec.Args[0]
	cmd.Env = spec.Env
	cmd.Dir = spec.WorkingDir
	if cmd.Dir == "" {
		cmd.Dir = "/"
	}
	cmd.Stdout, cmd.Stderr = spec.Output, spec.Output
	cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: target}
	if spec.User != "" {
		var uid, gid uint32
		if _, err := fmt.Sscanf(spec.User, "%d:%d", &uid, &gid); err != nil {
			return 0, fmt.Errorf("test runner takes numeric uid:gid users, not %q", spec.User)
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uid, Gid: gid}
	}
	err = cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
}

// fixture is a store with a busybox base image made from the host's
// busybox-static, and a builder on it.
type fixture struct {
	store *image.Store
	b     *Builder
	runs  int
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: builds mount overlays and chroot")
	}
	busybox, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("needs busybox-static (apt-get install busybox-static)")
	}
	root := t.TempDir()
	s, err := image.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	rootfs := filepath.Join(root, "base")
	for _, d := range []string{"bin", "etc", "tmp", "home/app"} {
		os.MkdirAll(filepath.Join(rootfs, d), 0o755)
	}
	os.Chmod(filepath.Join(rootfs, "tmp"), 0o1777)
	// Debian's merged /usr: /lib is a symlink.
	os.MkdirAll(filepath.Join(rootfs, "usr/lib"), 0o755)
	os.Symlink("usr/lib", filepath.Join(rootfs, "lib"))
	data, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(rootfs, "bin/busybox"), data, 0o755)
	for _, a := range []string{"sh", "echo", "cat", "ls", "rm", "mkdir", "env", "id", "true", "false", "test", "printf"} {
		os.Symlink("busybox", filepath.Join(rootfs, "bin", a))
	}
	os.WriteFile(filepath.Join(rootfs, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n"), 0o644)
	os.WriteFile(filepath.Join(rootfs, "etc/group"), []byte("root:x:0:\napp:x:1001:\n"), 0o644)
	layer, err := LayerFromDir(rootfs, filepath.Join(root, "base.tar.gz"), LayerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	img, _ := mutate.AppendLayers(empty.Image, layer)
	cfg, _ := img.ConfigFile()
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", goarch()
	cfg.Config.Env = []string{"PATH=/bin"}
	cfg.Config.Cmd = []string{"sh"}
	img, _ = mutate.ConfigFile(img, cfg)
	if _, err := s.Write(context.Background(), img, "busybox:test"); err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: s}
	f.b = &Builder{Images: storeImages{s}, Runner: chrootRunner{&f.runs}, CacheDir: filepath.Join(root, "build-cache")}
	return f
}

// build writes files into a fresh context folder and builds it.
func (f *fixture) build(t *testing.T, files map[string]string, opts Options) (*Result, string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	opts.ContextDir, opts.Out = dir, &out
	res, err := f.b.Build(context.Background(), opts)
	return res, out.String(), err
}

// file reads path from the image's layers, topmost first, honouring
// overlay whiteouts; ok is false when the image has no such file.
func (f *fixture) file(t *testing.T, ref, path string) (string, bool) {
	t.Helper()
	img, err := f.store.Get(context.Background(), ref)
	if err != nil {
		t.Fatalf("Get(%q) = %v", ref, err)
	}
	dirs, err := f.store.LayerDirs(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		p := filepath.Join(d, path)
		fi, err := os.Lstat(p)
		if err != nil {
			continue
		}
		if fi.Mode()&os.ModeCharDevice != 0 {
			return "", false
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b), true
	}
	return "", false
}

func (f *fixture) config(t *testing.T, ref string) v1.Config {
	t.Helper()
	img, err := f.store.Get(context.Background(), ref)
	if err != nil {
		t.Fatalf("Get(%q) = %v", ref, err)
	}
	return img.Config.Config
}

func TestBuildMultiStageWithArgsAndMetadata(t *testing.T) {
	f := newFixture(t)
	dockerfile := `ARG BASE=busybox:test
FROM $BASE AS builder
ARG GREETING=hello
ENV TARGET=world
WORKDIR /src
COPY greet.txt .
RUN echo "$GREETING $TARGET" > out.txt && cat greet.txt >> out.txt

FROM busybox:test
COPY --from=builder --chown=app:app /src/out.txt /srv/
LABEL org.example.kind="demo" version=${VERSION:-1}
EXPOSE 8080 53/udp
VOLUME /data
USER app
WORKDIR /home/app
ENTRYPOINT ["/bin/echo"]
CMD ["--help"]
HEALTHCHECK --interval=5s CMD ["/bin/true"]
STOPSIGNAL SIGINT
`
	_, out, err := f.build(t, map[string]string{"Dockerfile": dockerfile, "greet.txt": "from the context\n"},
		Options{Tags: []string{"demo:1"}, BuildArgs: map[string]string{"GREETING": "hi"}})
	if err != nil {
		t.Fatalf("Build = %v\n%s", err, out)
	}
	if got, _ := f.file(t, "demo:1", "srv/out.txt"); got != "hi world\nfrom the context\n" {
		t.Errorf("/srv/out.txt = %q, want the build arg, the ENV and the copied file", got)
	}
	if _, ok := f.file(t, "demo:1", "src/greet.txt"); ok {
		t.Errorf("final image has /src/greet.txt from the builder stage, want only what COPY --from took")
	}
	cfg := f.config(t, "demo:1")
	checks := []struct {
		name      string
		got, want any
	}{
		{"Labels", cfg.Labels, map[string]string{"org.example.kind": "demo", "version": "1"}},
		{"ExposedPorts", cfg.ExposedPorts, map[string]struct{}{"8080/tcp": {}, "53/udp": {}}},
		{"Volumes", cfg.Volumes, map[string]struct{}{"/data": {}}},
		{"User", cfg.User, "app"},
		{"WorkingDir", cfg.WorkingDir, "/home/app"},
		{"Entrypoint", cfg.Entrypoint, []string{"/bin/echo"}},
		{"Cmd", cfg.Cmd, []string{"--help"}},
		{"Healthcheck", cfg.Healthcheck.Test, []string{"CMD", "/bin/true"}},
		{"StopSignal", cfg.StopSignal, "SIGINT"},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("config %s = %v, want %v", c.name, c.got, c.want)
		}
	}
	for _, want := range []string{"#1 [internal] load build definition from Dockerfile", "[builder 3/4] COPY greet.txt .", "[builder 4/4] RUN echo", "naming to docker.io/library/demo:1 done"} {
		if !strings.Contains(out, want) {
			t.Errorf("build output lacks %q:\n%s", want, out)
		}
	}
}

func TestBuildCacheHitsAndMisses(t *testing.T) {
	f := newFixture(t)
	files := map[string]string{
		"Dockerfile": "FROM busybox:test\nCOPY app.txt /app.txt\nRUN cat /app.txt > /copy.txt\nCMD [\"cat\", \"/copy.txt\"]\n",
		"app.txt":    "v1\n",
	}
	first, out, err := f.build(t, files, Options{Tags: []string{"cache:1"}})
	if err != nil {
		t.Fatalf("first Build = %v\n%s", err, out)
	}
	second, out, err := f.build(t, files, Options{Tags: []string{"cache:1"}})
	if err != nil {
		t.Fatalf("second Build = %v\n%s", err, out)
	}
	if n := strings.Count(out, "CACHED"); n != 2 {
		t.Errorf("second build shows CACHED %d times, want 2 (COPY and RUN):\n%s", n, out)
	}
	if f.runs != 1 {
		t.Errorf("RUN ran %d times over two identical builds, want 1", f.runs)
	}
	if first.ID != second.ID {
		t.Errorf("unchanged rebuild made image %s, want the same id %s", second.ID, first.ID)
	}

	files["app.txt"] = "v2\n"
	_, out, err = f.build(t, files, Options{Tags: []string{"cache:2"}})
	if err != nil {
		t.Fatalf("Build after a change = %v\n%s", err, out)
	}
	if strings.Contains(out, "CACHED") {
		t.Errorf("build after app.txt changed used the cache:\n%s", out)
	}
	if got, _ := f.file(t, "cache:2", "copy.txt"); got != "v2\n" {
		t.Errorf("/copy.txt = %q, want %q", got, "v2\n")
	}

	_, out, err = f.build(t, files, Options{Tags: []string{"cache:2"}, NoCache: true})
	if err != nil || strings.Contains(out, "CACHED") {
		t.Errorf("--no-cache build: err %v, output:\n%s", err, out)
	}
}

// RunMounts are bound into every RUN step and are in no layer (the bake's
// apt cache), and a step's layer is linked into the image store: the
// store's files are the build cache's, not copies.
func TestBuildRunMountsAndLinkedLayers(t *testing.T) {
	f := newFixture(t)
	shared := t.TempDir()
	files := map[string]string{"Dockerfile": "FROM busybox:test\nRUN echo fetched > /cache/pkg && echo built > /made.txt\n"}
	_, out, err := f.build(t, files, Options{Tags: []string{"mounts:1"}, RunMounts: []Mount{{Source: shared, Destination: "/cache"}}})
	if err != nil {
		t.Fatalf("Build = %v\n%s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(shared, "pkg")); err != nil || string(b) != "fetched\n" {
		t.Errorf("mounted folder's pkg = %q, %v; want what RUN wrote", b, err)
	}
	if _, ok := f.file(t, "mounts:1", "cache/pkg"); ok {
		t.Error("a file written below a RUN mount is in the image")
	}
	img, err := f.store.Get(context.Background(), "mounts:1")
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := f.store.LayerDirs(context.Background(), img)
	if err != nil {
		t.Fatal(err)
	}
	top := img.Config.RootFS.DiffIDs[len(img.Config.RootFS.DiffIDs)-1]
	a, err := os.Stat(filepath.Join(dirs[0], "made.txt"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.Stat(filepath.Join(f.b.layerDir(top.String()), "made.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(a, b) {
		t.Error("the store's made.txt is a copy of the build cache's, want a link")
	}
}

func TestBuildDockerignore(t *testing.T) {
	f := newFixture(t)
	files := map[string]string{
		"Dockerfile":    "FROM busybox:test\nCOPY . /app/\n",
		".dockerignore": "# secrets stay home\nsecret.txt\nlogs\n*.tmp\n!keep.tmp\n",
		"secret.txt":    "password",
		"logs/a.log":    "noise",
		"x.tmp":         "scratch",
		"keep.tmp":      "kept",
		"src/main.txt":  "code",
	}
	_, out, err := f.build(t, files, Options{Tags: []string{"ignore:1"}})
	if err != nil {
		t.Fatalf("Build = %v\n%s", err, out)
	}
	for path, want := range map[string]bool{
		"app/src/main.txt": true, "app/keep.tmp": true, "app/Dockerfile": true,
		"app/secret.txt": false, "app/logs/a.log": false, "app/x.tmp": false,
	} {
		if _, ok := f.file(t, "ignore:1", path); ok != want {
			t.Errorf("image has /%s = %v, want %v", path, ok, want)
		}
	}

	files["Dockerfile"] = "FROM busybox:test\nCOPY secret.txt /\n"
	_, _, err = f.build(t, files, Options{})
	if err == nil || !strings.Contains(err.Error(), ".dockerignore") {
		t.Errorf("COPY of an ignored file: err = %v, want not found with a .dockerignore hint", err)
	}
}

func TestBuildFailures(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name       string
		dockerfile string
		wantErr    string
		wantOut    []string
		check      func(error) bool
	}{
		{
			name:       "failing RUN reports exit code and output",
			dockerfile: "FROM busybox:test\nRUN echo building; echo boom >&2; exit 3\n",
			wantErr:    `process "/bin/sh -c echo building; echo boom >&2; exit 3" did not complete successfully: exit code: 3`,
			wantOut:    []string{"#3 0.", "boom", "ERROR: process", "------\n > [2/2] RUN echo building"},
			check:      func(err error) bool { var re *RunError; return errors.As(err, &re) && re.ExitCode == 3 },
		},
		{
			name:       "COPY of a missing file",
			dockerfile: "FROM busybox:test\nCOPY missing.txt /\n",
			wantErr:    `"/missing.txt": not found in the build context`,
		},
		{
			name:       "unknown base stage or image",
			dockerfile: "FROM nosuch:1\n",
			wantErr:    "No such image",
		},
		{
			name:       "unknown instruction",
			dockerfile: "FROM busybox:test\nFROBNICATE x\n",
			wantErr:    "unknown instruction: FROBNICATE",
		},
		{
			name:       "RUN in an empty scratch stage",
			dockerfile: "FROM scratch\nRUN true\n",
			wantErr:    "FROM scratch with nothing added",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, out, err := f.build(t, map[string]string{"Dockerfile": tt.dockerfile}, Options{Tags: []string{"fail:1"}})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Build error = %v, want it to contain %q\n%s", err, tt.wantErr, out)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if tt.check != nil && !tt.check(err) {
				t.Errorf("error %#v is not of the expected type", err)
			}
			if _, err := f.store.Get(context.Background(), "fail:1"); !errors.Is(err, image.ErrNotFound) {
				t.Errorf("a failed build left an image fail:1 (err %v)", err)
			}
		})
	}
}

func TestBuildTargetShellFormsAndWhiteouts(t *testing.T) {
	f := newFixture(t)
	dockerfile := `FROM busybox:test AS base
RUN rm /etc/group && mkdir -p /opt/tool && echo 1 > /opt/tool/v
CMD echo from base

FROM base AS final
ENTRYPOINT echo entry
`
	_, out, err := f.build(t, map[string]string{"Dockerfile": dockerfile}, Options{Tags: []string{"target:base"}, Target: "base"})
	if err != nil {
		t.Fatalf("Build --target base = %v\n%s", err, out)
	}
	if strings.Contains(out, "final") {
		t.Errorf("--target base built the final stage:\n%s", out)
	}
	if _, ok := f.file(t, "target:base", "etc/group"); ok {
		t.Errorf("/etc/group still visible after RUN rm, want it whited out")
	}
	if got, _ := f.file(t, "target:base", "opt/tool/v"); got != "1\n" {
		t.Errorf("/opt/tool/v = %q, want %q", got, "1\n")
	}
	if got := f.config(t, "target:base").Cmd; !reflect.DeepEqual(got, []string{"/bin/sh", "-c", "echo from base"}) {
		t.Errorf("shell-form CMD = %q, want /bin/sh -c form", got)
	}

	_, out, err = f.build(t, map[string]string{"Dockerfile": dockerfile}, Options{Tags: []string{"target:final"}})
	if err != nil {
		t.Fatalf("Build = %v\n%s", err, out)
	}
	cfg := f.config(t, "target:final")
	if !reflect.DeepEqual(cfg.Entrypoint, []string{"/bin/sh", "-c", "echo entry"}) || cfg.Cmd != nil {
		t.Errorf("ENTRYPOINT %q CMD %q, want shell-form entrypoint and the inherited CMD reset", cfg.Entrypoint, cfg.Cmd)
	}
}

func TestBuildRunAsNonRootUser(t *testing.T) {
	f := newFixture(t)
	dockerfile := "FROM busybox:test\nRUN echo made by root > /tmp/a\nUSER 1000:1001\nRUN id -u > /tmp/uid && cat /tmp/a > /tmp/b\n"
	_, out, err := f.build(t, map[string]string{"Dockerfile": dockerfile}, Options{Tags: []string{"user:1"}})
	if err != nil {
		t.Fatalf("Build = %v\n%s", err, out)
	}
	if got, _ := f.file(t, "user:1", "tmp/uid"); got != "1000\n" {
		t.Errorf("/tmp/uid = %q, want the RUN to run as uid 1000", got)
	}
	if got, _ := f.file(t, "user:1", "tmp/b"); got != "made by root\n" {
		t.Errorf("/tmp/b = %q, want a non-root RUN to read what an earlier step made", got)
	}
}

// BenchmarkCachedRebuild measures a rebuild where every step is cached:
// the cost of parsing, hashing the context and writing the (unchanged)
// image again.
func BenchmarkCachedRebuild(b *testing.B) {
	f := newFixture(b)
	dir := b.TempDir()
	os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM busybox:test\nCOPY . /app\nRUN ls /app > /list\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "data.txt"), bytes.Repeat([]byte("x"), 1<<20), 0o644)
	opts := Options{ContextDir: dir, Tags: []string{"bench:1"}, Out: io.Discard}
	if _, err := f.b.Build(context.Background(), opts); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := f.b.Build(context.Background(), opts); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPruneEmptiesTheCache(t *testing.T) {
	f := newFixture(t)
	files := map[string]string{"Dockerfile": "FROM busybox:test\nRUN echo x > /x\n"}
	if _, out, err := f.build(t, files, Options{Tags: []string{"prune:1"}}); err != nil {
		t.Fatalf("Build = %v\n%s", err, out)
	}

	// A running build holds the cache: prune refuses.
	running := f.b.useLock()
	if err := running.RLock(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.b.Prune(); !errors.Is(err, ErrBuildRunning) {
		t.Errorf("Prune during a build = %v, want ErrBuildRunning", err)
	}
	running.Unlock()

	freed, err := f.b.Prune()
	if err != nil || freed == 0 {
		t.Fatalf("Prune = %d, %v; want bytes freed", freed, err)
	}
	if _, out, err := f.build(t, files, Options{Tags: []string{"prune:1"}}); err != nil || strings.Contains(out, "CACHED") {
		t.Errorf("build after prune: err %v, want no cached step:\n%s", err, out)
	}
	if got, _ := f.file(t, "prune:1", "x"); got != "x\n" {
		t.Errorf("/x = %q after prune and rebuild", got)
	}
}

func TestBuildAddUnpacksArchivesAndCopyChmod(t *testing.T) {
	f := newFixture(t)
	var archive bytes.Buffer
	zw := gzip.NewWriter(&archive)
	tw := tar.NewWriter(zw)
	for name, body := range map[string]string{"tool/a.txt": "a\n", "tool/b.txt": "b\n"} {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg})
		tw.Write([]byte(body))
	}
	tw.Close()
	zw.Close()
	files := map[string]string{
		"Dockerfile":  "FROM busybox:test\nADD tool.tar.gz /opt/\nCOPY --chmod=750 run.sh /usr/local/bin/\nRUN test -x /usr/local/bin/run.sh\n",
		"tool.tar.gz": archive.String(),
		"run.sh":      "#!/bin/sh\necho run\n",
	}
	if _, out, err := f.build(t, files, Options{Tags: []string{"add:1"}}); err != nil {
		t.Fatalf("Build = %v\n%s", err, out)
	}
	if got, _ := f.file(t, "add:1", "opt/tool/b.txt"); got != "b\n" {
		t.Errorf("/opt/tool/b.txt = %q, want the archive unpacked by ADD", got)
	}
	img, _ := f.store.Get(context.Background(), "add:1")
	dirs, _ := f.store.LayerDirs(context.Background(), img)
	for _, d := range dirs {
		if fi, err := os.Stat(filepath.Join(d, "usr/local/bin/run.sh")); err == nil {
			if fi.Mode().Perm() != 0o750 {
				t.Errorf("run.sh mode = %o, want 750 from --chmod", fi.Mode().Perm())
			}
			break
		}
	}
}

func TestBuildCopyFollowsImageSymlinks(t *testing.T) {
	f := newFixture(t)
	files := map[string]string{
		"Dockerfile": "FROM busybox:test\nCOPY a.txt /lib/x/\nWORKDIR /lib/work\n",
		"a.txt":      "a\n",
	}
	if _, out, err := f.build(t, files, Options{Tags: []string{"link:1"}}); err != nil {
		t.Fatalf("Build = %v\n%s", err, out)
	}
	if got, _ := f.file(t, "link:1", "usr/lib/x/a.txt"); got != "a\n" {
		t.Errorf("/usr/lib/x/a.txt = %q, want COPY to /lib/x/ to land there", got)
	}
	img, _ := f.store.Get(context.Background(), "link:1")
	dirs, _ := f.store.LayerDirs(context.Background(), img)
	for _, d := range dirs {
		if fi, err := os.Lstat(filepath.Join(d, "lib")); err == nil && fi.IsDir() {
			t.Errorf("layer %s has a directory /lib hiding the image's /lib symlink", filepath.Base(d))
		}
	}
	if _, err := os.Stat(filepath.Join(dirs[0], "usr/lib/work")); err != nil {
		t.Errorf("WORKDIR /lib/work did not make /usr/lib/work: %v", err)
	}
}

// TestBuildRecordsTheLastBuild: every finished build leaves last-build.json,
// step by step with what came from the cache, for the lessons' build checks.
func TestBuildRecordsTheLastBuild(t *testing.T) {
	f := newFixture(t)
	if _, err := ReadLast(f.b.CacheDir); !errors.Is(err, ErrNoLastBuild) {
		t.Fatalf("ReadLast before any build = %v, want ErrNoLastBuild", err)
	}
	files := map[string]string{
		"Dockerfile": "FROM busybox:test AS deps\nCOPY deps.txt /deps.txt\nRUN cat /deps.txt > /installed.txt\n" +
			"FROM deps\nCOPY app.txt /app.txt\nCMD [\"cat\", \"/app.txt\"]\n",
		"deps.txt": "libfoo\n",
		"app.txt":  "v1\n",
	}
	if _, out, err := f.build(t, files, Options{Tags: []string{"rec:1"}}); err != nil {
		t.Fatalf("first Build = %v\n%s", err, out)
	}
	files["app.txt"] = "v2\n"
	res, out, err := f.build(t, files, Options{Tags: []string{"rec:2"}})
	if err != nil {
		t.Fatalf("second Build = %v\n%s", err, out)
	}
	l, err := ReadLast(f.b.CacheDir)
	if err != nil {
		t.Fatalf("ReadLast = %v", err)
	}
	if l.ID != res.ID || !slices.Equal(l.Tags, []string{"rec:2"}) {
		t.Errorf("record names image %s %v, want %s [rec:2]", l.ID, l.Tags, res.ID)
	}
	var got []string
	for _, s := range l.Steps {
		got = append(got, fmt.Sprintf("%s|%s|%v", s.Stage, s.Instruction, s.Cached))
	}
	want := []string{
		"deps|FROM docker.io/library/busybox:test|false",
		"deps|COPY deps.txt /deps.txt|true",
		"deps|RUN cat /deps.txt > /installed.txt|true",
		"stage-1|FROM deps|false",
		"stage-1|COPY app.txt /app.txt|false",
	}
	if !slices.Equal(got, want) {
		t.Errorf("recorded steps (stage|instruction|cached):\n%s\nwant:\n%s\noutput:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), out)
	}
}
