package image_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/idindex"
	"github.com/dockyard-lab/dockyard/sandbox/image"
	"github.com/dockyard-lab/dockyard/sandbox/image/imagetest"
)

func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: layers keep ownership and overlay whiteouts are device nodes")
	}
}

func openStore(t *testing.T) *image.Store {
	t.Helper()
	s, err := image.Open(t.TempDir())
	if err != nil {
		t.Fatalf("image.Open: %v", err)
	}
	return s
}

// events records pull progress.
type events struct {
	mu sync.Mutex
	ev []image.Event
}

func (e *events) add(ev image.Event) { e.mu.Lock(); e.ev = append(e.ev, ev); e.mu.Unlock() }

func (e *events) lines() []string {
	var out []string
	for _, ev := range e.ev {
		if ev.ID == "" {
			out = append(out, ev.Status)
		}
	}
	return out
}

func (e *events) has(status string) bool {
	return slices.ContainsFunc(e.ev, func(ev image.Event) bool { return ev.ID != "" && ev.Status == status })
}

func TestPullFromLoopbackRegistry(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	host := imagetest.Registry(t)
	bb := imagetest.Busybox(t)
	digest := imagetest.Push(t, host+"/busybox:1.36", bb)
	s := openStore(t)

	var ev events
	img, err := s.Pull(ctx, host+"/busybox:1.36", image.PullOptions{Progress: ev.add})
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	wantID, _ := bb.ConfigName()
	if img.ID != wantID.String() {
		t.Errorf("Pull ID = %s, want %s", img.ID, wantID)
	}
	if want := []string{host + "/busybox:1.36"}; !slices.Equal(img.RepoTags, want) {
		t.Errorf("RepoTags = %v, want %v", img.RepoTags, want)
	}
	if want := []string{host + "/busybox@" + digest.String()}; !slices.Equal(img.RepoDigests, want) {
		t.Errorf("RepoDigests = %v, want %v", img.RepoDigests, want)
	}
	wantLines := []string{
		"1.36: Pulling from busybox",
		"Digest: " + digest.String(),
		"Status: Downloaded newer image for " + host + "/busybox:1.36",
	}
	if got := ev.lines(); !slices.Equal(got, wantLines) {
		t.Errorf("pull lines = %q, want %q", got, wantLines)
	}
	for _, st := range []string{image.StatusPullingFS, image.StatusDownloaded, image.StatusPullComplete} {
		if !ev.has(st) {
			t.Errorf("pull events lack %q: %v", st, ev.ev)
		}
	}
	if img.Size < 1_000_000 || img.Config.Config.Cmd[0] != "sh" {
		t.Errorf("image Size = %d, Cmd = %v, want > 1 MB and [sh]", img.Size, img.Config.Config.Cmd)
	}

	dirs, err := s.LayerDirs(ctx, img)
	if err != nil || len(dirs) != 1 {
		t.Fatalf("LayerDirs = %v, %v, want one directory", dirs, err)
	}
	if fi, err := os.Stat(filepath.Join(dirs[0], "bin/busybox")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("bin/busybox in the layer: %v, %v", fi, err)
	}
	if l, err := os.Readlink(filepath.Join(dirs[0], "bin/sh")); err != nil || l != "/bin/busybox" {
		t.Errorf("bin/sh -> %q, %v, want /bin/busybox", l, err)
	}
	if fi, err := os.Stat(filepath.Join(dirs[0], "tmp")); err != nil || fi.Mode()&os.ModeSticky == 0 {
		t.Errorf("tmp mode = %v, %v, want sticky", fi.Mode(), err)
	}

	// The same pull again changes nothing and says so.
	var again events
	if _, err := s.Pull(ctx, host+"/busybox:1.36", image.PullOptions{Progress: again.add}); err != nil {
		t.Fatalf("second Pull: %v", err)
	}
	if !again.has(image.StatusAlreadyExists) || again.has(image.StatusDownloading) {
		t.Errorf("second pull events = %v, want Already exists and no download", again.ev)
	}
	if l := again.lines(); l[len(l)-1] != "Status: Image is up to date for "+host+"/busybox:1.36" {
		t.Errorf("second pull last line = %q", l[len(l)-1])
	}

	// By digest: no new tag, the digest names the image.
	byDigest, err := s.Pull(ctx, host+"/busybox@"+digest.String(), image.PullOptions{})
	if err != nil || byDigest.ID != img.ID {
		t.Fatalf("Pull by digest = %v, %v, want %s", byDigest, err, img.ID)
	}
	if got, err := s.Get(ctx, host+"/busybox@"+digest.String()); err != nil || got.ID != img.ID {
		t.Errorf("Get by digest = %v, %v", got, err)
	}
}

func TestPullThroughMirror(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	host := imagetest.Registry(t)
	imagetest.Push(t, host+"/library/busybox:latest", imagetest.Busybox(t))
	s := openStore(t)
	var ev events
	img, err := s.Pull(ctx, "busybox", image.PullOptions{Mirrors: []string{"http://" + host}, Progress: ev.add})
	if err != nil {
		t.Fatalf("Pull through mirror: %v", err)
	}
	if want := []string{"busybox:latest"}; !slices.Equal(img.RepoTags, want) {
		t.Errorf("RepoTags = %v, want %v", img.RepoTags, want)
	}
	if got := ev.lines(); got[0] != "latest: Pulling from library/busybox" || got[2] != "Status: Downloaded newer image for busybox:latest" {
		t.Errorf("pull lines = %q", got)
	}
	for _, name := range []string{"busybox", "busybox:latest", "docker.io/library/busybox:latest", "library/busybox"} {
		if got, err := s.Get(ctx, name); err != nil || got.ID != img.ID {
			t.Errorf("Get(%q) = %v, %v, want %s", name, got, err, img.ID)
		}
	}
}

func TestPullUnreachable(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	// Port 1 on loopback: nothing listens, the connection is refused at once.
	_, err := s.Pull(ctx, "127.0.0.1:1/busybox", image.PullOptions{})
	if !errors.Is(err, image.ErrUnreachable) {
		t.Fatalf("Pull error = %v, want ErrUnreachable", err)
	}
	msg := err.Error()
	for _, want := range []string{"cannot be reached", "127.0.0.1:1", `is the registry started? ("dockyard registry start" serves one on 127.0.0.1:5000)`, `docker load -i file.tar`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error %q is more than one line", msg)
	}
}

func TestPullFallsBackWhenNoRegistryAnswers(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	s := openStore(t)
	var asked string
	img, err := s.Pull(ctx, "busybox", image.PullOptions{
		Mirrors: []string{"http://127.0.0.1:1"},
		// Docker Hub itself must not be tried from a test: the transport
		// refuses everything that is not the closed loopback port.
		Transport: refuseAll{},
		Fallback: func(ctx context.Context, ref string) error {
			asked = ref
			_, err := s.Write(ctx, imagetest.Busybox(t), ref)
			return err
		},
	})
	if err != nil {
		t.Fatalf("Pull with fallback: %v", err)
	}
	if asked != "docker.io/library/busybox:latest" || !slices.Equal(img.RepoTags, []string{"busybox:latest"}) {
		t.Errorf("fallback asked for %q and gave %v", asked, img.RepoTags)
	}
}

func TestPullMissingTag(t *testing.T) {
	ctx := context.Background()
	host := imagetest.Registry(t)
	s := openStore(t)
	_, err := s.Pull(ctx, host+"/nothing:here", image.PullOptions{})
	if err == nil || errors.Is(err, image.ErrUnreachable) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Pull of a missing image: %v, want a does-not-exist error", err)
	}
}

func TestAbortedPullLeavesNoImage(t *testing.T) {
	needRoot(t)
	ctx, cancel := context.WithCancel(context.Background())
	host := imagetest.Registry(t)
	img := imagetest.Random(t, 3, 2<<20)
	imagetest.Push(t, host+"/big:1", img)
	s := openStore(t)
	// Cancel as soon as the first bytes of a layer arrive: the pull dies
	// mid-download, as a kill -9 would leave it.
	_, err := s.Pull(ctx, host+"/big:1", image.PullOptions{Progress: func(e image.Event) {
		if e.Status == image.StatusDownloading {
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("Pull survived cancellation")
	}
	if imgs, err := s.List(context.Background()); err != nil || len(imgs) != 0 {
		t.Fatalf("after an aborted pull List = %v, %v, want nothing", imgs, err)
	}
	if _, err := s.Get(context.Background(), host+"/big:1"); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("Get after an aborted pull = %v, want ErrNotFound", err)
	}
	// Pulling again completes, and GC leaves no temporary files behind.
	if _, err := s.Pull(context.Background(), host+"/big:1", image.PullOptions{}); err != nil {
		t.Fatalf("Pull after an aborted pull: %v", err)
	}
	if _, err := s.GC(context.Background()); err != nil {
		t.Fatal(err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(s.Dir(), "*", ".tmp-*"))
	more, _ := filepath.Glob(filepath.Join(s.Dir(), "blobs", "sha256", ".tmp-*"))
	if len(leftovers)+len(more) > 0 {
		t.Errorf("temporary files left: %v %v", leftovers, more)
	}
}

func TestConcurrentPullsOfOneImage(t *testing.T) {
	needRoot(t)
	host := imagetest.Registry(t)
	imagetest.Push(t, host+"/busybox:latest", imagetest.Busybox(t))
	root := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Separate Store values on one root behave like separate processes.
			s, err := image.Open(root)
			if err == nil {
				_, err = s.Pull(context.Background(), host+"/busybox", image.PullOptions{})
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("pull %d: %v", i, err)
		}
	}
	s, _ := image.Open(root)
	if imgs, err := s.List(context.Background()); err != nil || len(imgs) != 1 {
		t.Errorf("List = %v, %v, want one image", imgs, err)
	}
}

func TestGetByIDPrefix(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	s := openStore(t)
	img, err := s.Write(ctx, imagetest.Busybox(t), "busybox:latest")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{img.ID, strings.TrimPrefix(img.ID, "sha256:")[:6], idindex.Short(img.ID), "sha256:" + idindex.Short(img.ID)} {
		if got, err := s.Get(ctx, q); err != nil || got.ID != img.ID {
			t.Errorf("Get(%q) = %v, %v, want %s", q, got, err, img.ID)
		}
	}
	for _, q := range []string{"nosuch", "busybox:1.0", "ffffff"} {
		if _, err := s.Get(ctx, q); !errors.Is(err, image.ErrNotFound) {
			t.Errorf("Get(%q) error = %v, want ErrNotFound", q, err)
		}
	}
	if _, err := s.Get(ctx, "Busybox"); err == nil || !strings.Contains(err.Error(), "must be lowercase") {
		t.Errorf("Get(Busybox) error = %v, want a lowercase error", err)
	}
}

func TestAmbiguousIDPrefix(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	s := openStore(t)
	// Make images until two ids share a first hex digit.
	seen := map[byte]string{}
	for i := 0; ; i++ {
		img, err := s.Write(ctx, imagetest.WithLabel(t, imagetest.Busybox(t), "n", string(rune('a'+i))))
		if err != nil {
			t.Fatal(err)
		}
		c := strings.TrimPrefix(img.ID, "sha256:")[0]
		if other, ok := seen[c]; ok {
			_, err := s.Get(ctx, string(c))
			var amb *idindex.AmbiguousError
			if !errors.As(err, &amb) || !slices.Contains(amb.Candidates, other) || !slices.Contains(amb.Candidates, img.ID) {
				t.Fatalf("Get(%q) = %v, want an ambiguous error listing %s and %s", string(c), err, other, img.ID)
			}
			return
		}
		seen[c] = img.ID
	}
}

// TestUntagDropsRepositoryDigests: as moby's ImageDelete, removing the last
// tag of a repository removes that repository's digests too, so a docker
// tag back to the name does not look pulled (the registry lesson's
// pull-back step tells a pull from a tag by them); a digest name alone is
// only untagged while tags keep the image.
func TestUntagDropsRepositoryDigests(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	host := imagetest.Registry(t)
	digest := imagetest.Push(t, host+"/mybox:v1", imagetest.Busybox(t))
	s := openStore(t)
	img, err := s.Pull(ctx, host+"/mybox:v1", image.PullOptions{})
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	for _, name := range []string{"busybox", host + "/mybox:v2"} {
		if err := s.Tag(ctx, img.ID, name); err != nil {
			t.Fatal(err)
		}
	}
	canonical := host + "/mybox@" + digest.String()

	// v2 still names the repository: the digest stays.
	res, err := s.Remove(ctx, host+"/mybox:v1", image.RemoveOptions{})
	if want := []image.Removed{{Untagged: host + "/mybox:v1"}}; err != nil || !slices.Equal(res, want) {
		t.Errorf("Remove(v1) = %v, %v, want %v", res, err, want)
	}
	if got := mustGet(t, s, img.ID).RepoDigests; !slices.Equal(got, []string{canonical}) {
		t.Errorf("RepoDigests after removing v1 = %v, want %v", got, []string{canonical})
	}
	// The repository's last tag takes the digest with it.
	res, err = s.Remove(ctx, host+"/mybox:v2", image.RemoveOptions{})
	if want := []image.Removed{{Untagged: host + "/mybox:v2"}, {Untagged: canonical}}; err != nil || !slices.Equal(res, want) {
		t.Errorf("Remove(v2) = %v, %v, want %v", res, err, want)
	}
	if got := mustGet(t, s, img.ID).RepoDigests; len(got) != 0 {
		t.Errorf("RepoDigests after removing the repository's last tag = %v, want none", got)
	}

	// By digest while busybox keeps the image: only the digest goes.
	if _, err := s.Pull(ctx, host+"/mybox:v1", image.PullOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Remove(ctx, host+"/mybox:v1", image.RemoveOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pull(ctx, canonical, image.PullOptions{}); err != nil {
		t.Fatalf("Pull by digest: %v", err)
	}
	res, err = s.Remove(ctx, canonical, image.RemoveOptions{})
	if want := []image.Removed{{Untagged: canonical}}; err != nil || !slices.Equal(res, want) {
		t.Errorf("Remove(digest) = %v, %v, want %v", res, err, want)
	}
	if got := mustGet(t, s, img.ID); !slices.Equal(got.RepoTags, []string{"busybox:latest"}) || len(got.RepoDigests) != 0 {
		t.Errorf("after removing the digest: RepoTags %v, RepoDigests %v, want [busybox:latest] and none", got.RepoTags, got.RepoDigests)
	}
}

func TestTagAndRemove(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	s := openStore(t)
	img, err := s.Write(ctx, imagetest.Busybox(t), "busybox")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Tag(ctx, "busybox", "localhost:5000/mybox:v1"); err != nil {
		t.Fatalf("Tag: %v", err)
	}
	if err := s.Tag(ctx, "nosuch", "x"); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("Tag of a missing image = %v, want ErrNotFound", err)
	}
	got, _ := s.Get(ctx, "localhost:5000/mybox:v1")
	if want := []string{"busybox:latest", "localhost:5000/mybox:v1"}; got == nil || !slices.Equal(got.RepoTags, want) {
		t.Fatalf("RepoTags after Tag = %v, want %v", got, want)
	}

	// By id with two names: refused without force.
	var conflict *image.ConflictError
	if _, err := s.Remove(ctx, idindex.Short(img.ID), image.RemoveOptions{}); !errors.As(err, &conflict) || !strings.Contains(err.Error(), "referenced in multiple repositories") {
		t.Errorf("Remove by id = %v, want a multiple-repositories conflict", err)
	}
	// By name: only that name goes.
	res, err := s.Remove(ctx, "busybox", image.RemoveOptions{})
	if err != nil || len(res) != 1 || res[0].Untagged != "busybox:latest" {
		t.Fatalf("Remove(busybox) = %v, %v, want one Untagged", res, err)
	}
	// In use by a container: refused, and forced only untags.
	running := false
	s.SetInUse(func(id string) []image.User {
		if id == img.ID {
			return []image.User{{ID: "c0ffee0000000000000000000000000000000000000000000000000000000000", Running: running}}
		}
		return nil
	})
	if _, err := s.Remove(ctx, "localhost:5000/mybox:v1", image.RemoveOptions{}); !errors.As(err, &conflict) || !strings.Contains(err.Error(), "container c0ffee000000 is using") {
		t.Errorf("Remove of an image in use = %v, want a conflict naming the container", err)
	}
	// By id, as moby words it: stopped needs force, running refuses even forced.
	if _, err := s.Remove(ctx, img.ID, image.RemoveOptions{}); err == nil || err.Error() != "conflict: unable to delete "+idindex.Short(img.ID)+" (must be forced) - image is being used by stopped container c0ffee000000" {
		t.Errorf("Remove(id) of an image a stopped container uses = %v, want the must-be-forced conflict", err)
	}
	running = true
	if _, err := s.Remove(ctx, img.ID, image.RemoveOptions{Force: true}); err == nil || err.Error() != "conflict: unable to delete "+idindex.Short(img.ID)+" (cannot be forced) - image is being used by running container c0ffee000000" {
		t.Errorf("forced Remove(id) of an image a running container uses = %v, want the cannot-be-forced conflict", err)
	}
	running = false
	res, err = s.Remove(ctx, "localhost:5000/mybox:v1", image.RemoveOptions{Force: true})
	if err != nil || len(res) != 1 || res[0].Deleted != "" {
		t.Fatalf("forced Remove of an image in use = %v, %v, want only an untag", res, err)
	}
	if _, err := s.Get(ctx, img.ID); err != nil {
		t.Errorf("image in use was deleted: %v", err)
	}
	dirs, err := s.LayerDirs(ctx, mustGet(t, s, img.ID))
	if err != nil {
		t.Fatal(err)
	}
	s.SetInUse(nil)

	// The last name and the image go, and so do its blobs and layers.
	res, err = s.Remove(ctx, img.ID, image.RemoveOptions{})
	if err != nil || res[len(res)-1].Deleted != img.ID {
		t.Fatalf("Remove(id) = %v, %v, want Deleted %s", res, err, img.ID)
	}
	blobs, _ := os.ReadDir(filepath.Join(s.Dir(), "blobs", "sha256"))
	if len(blobs) != 0 {
		t.Errorf("blobs left after removing the only image: %d", len(blobs))
	}
	if _, err := os.Stat(dirs[0]); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unpacked layer %s left after removing the only image", dirs[0])
	}
}

func TestPruneDangling(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	s := openStore(t)
	old, err := s.Write(ctx, imagetest.Busybox(t), "app")
	if err != nil {
		t.Fatal(err)
	}
	// A new build under the same name leaves the old one dangling.
	if _, err := s.Write(ctx, imagetest.WithLabel(t, imagetest.Busybox(t), "v", "2"), "app"); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, old.ID); len(got.RepoTags) != 0 {
		t.Fatalf("old image RepoTags = %v, want none", got.RepoTags)
	}
	rep, err := s.Prune(ctx, false)
	if err != nil || len(rep.Removed) != 1 || rep.Removed[0].Deleted != old.ID {
		t.Fatalf("Prune = %+v, %v, want the dangling image deleted", rep, err)
	}
	imgs, _ := s.List(ctx)
	if len(imgs) != 1 || imgs[0].RepoTags[0] != "app:latest" {
		t.Errorf("after prune List = %v", imgs)
	}
}

func TestWhiteoutsBecomeOverlayWhiteouts(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	base, err := imagetest.Layer([]imagetest.File{
		{Name: "etc/motd", Mode: 0o644, Body: []byte("hi\n")},
		{Name: "data/old", Mode: 0o644, Body: []byte("old\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	top, err := imagetest.Layer([]imagetest.File{
		{Name: "etc/.wh.motd", Mode: 0o644},
		{Name: "data/", Mode: 0o755},
		{Name: "data/.wh..wh..opq", Mode: 0o644},
		{Name: "data/new", Mode: 0o600, Uid: 1000, Gid: 1000, Body: []byte("new\n"), Xattrs: map[string]string{"user.note": "kept"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	v1img, err := mutate.AppendLayers(empty.Image, base, top)
	if err != nil {
		t.Fatal(err)
	}
	s := openStore(t)
	img, err := s.Write(ctx, v1img, "layers:test")
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := s.LayerDirs(ctx, img)
	if err != nil || len(dirs) != 2 {
		t.Fatalf("LayerDirs = %v, %v", dirs, err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(dirs[0], "etc/motd"), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
		t.Errorf("etc/motd in the top layer: mode %o rdev %d, %v, want a 0/0 character device", st.Mode, st.Rdev, err)
	}
	buf := make([]byte, 8)
	if n, err := unix.Lgetxattr(filepath.Join(dirs[0], "data"), "trusted.overlay.opaque", buf); err != nil || string(buf[:n]) != "y" {
		t.Errorf("data opaque xattr = %q, %v, want y", buf[:n], err)
	}
	if _, err := os.Stat(filepath.Join(dirs[0], "data/.wh..wh..opq")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the opaque marker was unpacked as a file")
	}
	if err := unix.Lstat(filepath.Join(dirs[0], "data/new"), &st); err != nil || st.Uid != 1000 || st.Mode&0o777 != 0o600 {
		t.Errorf("data/new uid %d mode %o, %v, want 1000 and 600", st.Uid, st.Mode&0o777, err)
	}
	if n, err := unix.Lgetxattr(filepath.Join(dirs[0], "data/new"), "user.note", buf); err != nil || string(buf[:n]) != "kept" {
		t.Errorf("data/new user.note = %q, %v, want kept", buf[:n], err)
	}
	if b, err := os.ReadFile(filepath.Join(dirs[1], "etc/motd")); err != nil || string(b) != "hi\n" {
		t.Errorf("the base layer lost etc/motd: %q, %v", b, err)
	}
}

func mustGet(t *testing.T, s *image.Store, ref string) *image.Image {
	t.Helper()
	img, err := s.Get(context.Background(), ref)
	if err != nil {
		t.Fatalf("Get(%q): %v", ref, err)
	}
	return img
}

var _ v1.Image = (v1.Image)(nil)

func TestPullFallbackErrorJoinsUnreachable(t *testing.T) {
	s := openStore(t)
	_, err := s.Pull(context.Background(), "127.0.0.1:1/thing", image.PullOptions{
		Fallback: func(ctx context.Context, ref string) error { return errors.New("no recipe for " + ref) },
	})
	if !errors.Is(err, image.ErrUnreachable) || !strings.HasSuffix(err.Error(), "(offline: no recipe for 127.0.0.1:1/thing:latest)") {
		t.Errorf("Pull = %v, want the unreachable error with the fallback's reason", err)
	}
}

func TestConcurrentTagsOnOneStoreAreNotLost(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	s := openStore(t)
	if _, err := s.Write(ctx, imagetest.Busybox(t), "busybox"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Tag(ctx, "busybox", "copy:"+string(rune('a'+i))); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := mustGet(t, s, "busybox"); len(got.RepoTags) != 21 {
		t.Errorf("after 20 concurrent tags RepoTags has %d names, want 21: %v", len(got.RepoTags), got.RepoTags)
	}
}

// TestStoreFallbackIsTheDefault: the store's fallback (the baked lesson
// images) is asked for Docker Hub names only; another registry's image has
// no recipe, so its error says nothing of one.
func TestStoreFallbackIsTheDefault(t *testing.T) {
	s := openStore(t)
	var asked []string
	s.SetFallback(func(ctx context.Context, ref string) error { asked = append(asked, ref); return errors.New("cannot") })
	_, err := s.Pull(context.Background(), "app:v2", image.PullOptions{Transport: refuseAll{}})
	if !slices.Equal(asked, []string{"docker.io/library/app:v2"}) || err == nil || !strings.Contains(err.Error(), "(offline: cannot)") {
		t.Errorf("Pull(app:v2) asked the store's fallback for %q and said %v", asked, err)
	}
	asked = nil
	_, err = s.Pull(context.Background(), "127.0.0.1:1/app:v2", image.PullOptions{})
	if len(asked) != 0 || err == nil || strings.Contains(err.Error(), "offline:") {
		t.Errorf("Pull(127.0.0.1:1/app:v2) asked the store's fallback for %q and said %v; want it not asked", asked, err)
	}
}

func TestPullMirrorWithoutTheImageThenUnreachableUpstream(t *testing.T) {
	needRoot(t)
	host := imagetest.Registry(t) // an empty mirror: 404 for everything
	s := openStore(t)
	_, err := s.Pull(context.Background(), "busybox", image.PullOptions{
		Mirrors:   []string{"http://" + host},
		Transport: mirrorOnly{host},
	})
	if !errors.Is(err, image.ErrUnreachable) || !strings.Contains(err.Error(), "registry docker.io cannot be reached") {
		t.Errorf("Pull = %v, want an unreachable error naming docker.io", err)
	}
}

// TestDamagedRefs: a refs.json cut short or garbled gives one line naming
// the file and the way out (found by QA: "read image refs <path>: unexpected
// end of JSON input"); moving it away as the line says gives an empty store.
func TestDamagedRefs(t *testing.T) {
	for _, content := range []string{"", `{"images": {`, "\x00garbage", `{"refs": []}`} {
		t.Run(fmt.Sprintf("%q", content), func(t *testing.T) {
			ctx := context.Background()
			s := openStore(t)
			p := filepath.Join(s.Dir(), "refs.json")
			if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			want := "the image list " + p + " is damaged ("
			fix := "); move it away and pull or load your images again: mv " + p + " " + p + ".damaged"
			for what, err := range map[string]error{
				"List": func() error { _, err := s.List(ctx); return err }(),
				"Get":  func() error { _, err := s.Get(ctx, "busybox"); return err }(),
				"GC":   func() error { _, err := s.GC(ctx); return err }(),
			} {
				if err == nil || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), fix) {
					t.Errorf("%s() error = %v, want %q...%q", what, err, want, fix)
				}
			}
			if err := os.Rename(p, p+".damaged"); err != nil {
				t.Fatal(err)
			}
			if imgs, err := s.List(ctx); err != nil || len(imgs) != 0 {
				t.Errorf("List() after moving refs.json away = %v, %v, want none", imgs, err)
			}
		})
	}
}

// TestDamagedImage: an image whose config or manifest blob is missing or
// garbled (found by QA: docker images, docker run and every docker rmi
// failed with "image b901d6ae1738: config: invalid character ...") is left
// out of List, named by Damaged, refused by Get with the way out, does not
// stop the garbage collection of a docker rmi, and can be removed.
func TestDamagedImage(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		blob    func(img *image.Image) string
		content *string // nil: delete the blob
		want    string
	}{
		{"config garbled", func(img *image.Image) string { return img.ID }, ptr("garbage"), "its config cannot be read (invalid character"},
		{"config missing", func(img *image.Image) string { return img.ID }, nil, "its config cannot be read (its blob is missing)"},
		{"manifest cut short", func(img *image.Image) string { return img.ManifestDigest }, ptr(`{"schemaVersion": 2, "lay`), "its manifest cannot be read (unexpected end of JSON input)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t)
			bad, err := s.Write(ctx, imagetest.Busybox(t), "busybox:latest")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Write(ctx, imagetest.WithLabel(t, imagetest.Busybox(t), "v", "2"), "other:1"); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(s.Dir(), "blobs", "sha256", strings.TrimPrefix(tc.blob(bad), "sha256:"))
			if tc.content == nil {
				err = os.Remove(p)
			} else {
				err = os.WriteFile(p, []byte(*tc.content), 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}

			want := "image busybox:latest (" + idindex.Short(bad.ID) + ") is damaged: " + tc.want
			fix := `; remove it with "docker rmi busybox:latest" and pull or load it again`
			_, err = s.Get(ctx, "busybox")
			if !errors.Is(err, image.ErrDamaged) || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), fix) {
				t.Errorf("Get(busybox) = %v, want %q...%q", err, want, fix)
			}
			imgs, err := s.List(ctx)
			if err != nil || len(imgs) != 1 || imgs[0].RepoTags[0] != "other:1" {
				t.Errorf("List() = %v, %v; want only other:1", imgs, err)
			}
			if d := s.Damaged(ctx); len(d) != 1 || d[0].ID != bad.ID {
				t.Errorf("Damaged() = %v, want busybox", d)
			}
			// A docker rmi of another image is not failed by the GC.
			if err := s.Tag(ctx, "other:1", "other:2"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Remove(ctx, "other:2", image.RemoveOptions{}); err != nil {
				t.Errorf("Remove(other:2) = %v", err)
			}
			if _, err := s.Remove(ctx, "busybox", image.RemoveOptions{}); err != nil {
				t.Errorf("Remove(busybox) = %v", err)
			}
			if d := s.Damaged(ctx); len(d) != 0 {
				t.Errorf("Damaged() after docker rmi = %v, want none", d)
			}
			if _, err := s.Get(ctx, "other:1"); err != nil {
				t.Errorf("Get(other:1) after the GC = %v", err)
			}
		})
	}
}

func ptr(s string) *string { return &s }

// TestPullRefusesAnotherImagesDiffID: a registry image whose config names
// the diff id of a layer already unpacked (busybox's) over other content is
// refused, and busybox's layer is untouched (found by QA through docker
// load; a pull took the same shortcut).
func TestPullRefusesAnotherImagesDiffID(t *testing.T) {
	needRoot(t)
	ctx := context.Background()
	s := openStore(t)
	bb := imagetest.Busybox(t)
	if _, err := s.Write(ctx, bb, "busybox:latest"); err != nil {
		t.Fatal(err)
	}
	bcf, err := bb.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	evil, err := imagetest.Layer([]imagetest.File{{Name: "bin/sh", Mode: 0o755, Body: []byte("#!/bin/sh\necho pwned\n")}})
	if err != nil {
		t.Fatal(err)
	}
	img, err := mutate.AppendLayers(empty.Image, evil)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.RootFS.DiffIDs = bcf.RootFS.DiffIDs[:1]
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	host := imagetest.Registry(t)
	imagetest.Push(t, host+"/evil:1", img)

	// Twice: a refused pull must leave nothing a second one trusts.
	for try := 1; try <= 2; try++ {
		_, err = s.Pull(ctx, host+"/evil:1", image.PullOptions{})
		if err == nil || !strings.Contains(err.Error(), "(the image config does not match its layer)") {
			t.Fatalf("Pull(evil:1) try %d = %v, want the diff id mismatch refused", try, err)
		}
	}
	if _, err := s.Get(ctx, host+"/evil:1"); !errors.Is(err, image.ErrNotFound) {
		t.Errorf("Get(evil:1) after a refused pull = %v, want not found", err)
	}
	got, err := s.Get(ctx, "busybox")
	if err != nil {
		t.Fatal(err)
	}
	dirs, err := s.LayerDirs(ctx, got)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dirs[len(dirs)-1], "bin/sh")); err == nil && strings.Contains(string(b), "pwned") {
		t.Errorf("busybox's bin/sh was replaced by the pulled layer")
	}
}

// A write of the image list cut by a crash or a power loss leaves its
// temporary file; the next listing or write removes it, as a daemon's
// start-up would.
func TestCutWriteTempFilesAreSwept(t *testing.T) {
	s, err := image.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := s.Dir()
	for _, name := range []string{".refs.json534523214", ".index.json77"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.json*")); len(left) != 0 {
		t.Errorf("after a listing: %v, want the cut writes' temporary files gone", left)
	}
}

// TestUnreachableAfterFallback: once the offline fallback (what "dockyard
// images prepare" does) has failed, the message does not send the student
// to it again.
func TestUnreachableAfterFallback(t *testing.T) {
	e := &image.UnreachableError{Ref: "busybx:latest", Registries: []string{"docker.io"}, Err: errors.New("no such host"),
		Offline: errors.New("no recipe for busybx:latest")}
	if got := e.Error(); strings.Contains(got, "images prepare") || !strings.HasSuffix(got, "(offline: no recipe for busybx:latest)") {
		t.Errorf("Error() = %q, want no images prepare hint and the fallback's reason", got)
	}
	e.Offline = nil
	if got := e.Error(); !strings.Contains(got, `"dockyard images prepare"`) {
		t.Errorf("Error() without a fallback = %q, want the images prepare hint", got)
	}
}

// suggester is a fallback error that knows the name meant (bake's
// NoRecipeError).
type suggester struct{ name string }

func (s suggester) Error() string      { return "no recipe" }
func (s suggester) Suggestion() string { return s.name }

// otherTagger is a fallback error that knows the tags there are of the
// repository asked for (bake's NoRecipeError).
type otherTagger struct{ tags []string }

func (o otherTagger) Error() string       { return "no recipe" }
func (o otherTagger) OtherTags() []string { return o.tags }

// unbaked is a fallback error for an image no recipe makes (bake's
// NoRecipeError of the student's own myapp).
type unbaked struct{}

func (unbaked) Error() string { return "no recipe for myapp:latest (Dockyard can bake: busybox)" }
func (unbaked) Unbaked() bool { return true }

// TestUnreachableUnbaked: `docker run myapp:latest` before the notes'
// `docker build -t myapp:latest .` says to build it.
func TestUnreachableUnbaked(t *testing.T) {
	e := &image.UnreachableError{Ref: "myapp:latest", Registries: []string{"docker.io"}, Err: errors.New("no such host"), Offline: unbaked{}}
	want := `cannot pull myapp:latest: registry docker.io cannot be reached and no recipe for myapp:latest (Dockyard can bake: busybox); build it (docker build -t myapp:latest .) or load it (docker load -i file.tar)`
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestUnreachableTypo: `docker run nignx` ends on the fix, the name meant,
// not on docker load and a list of recipes; `docker run myapp` of an image
// built as myapp:v1 ends on that tag.
func TestUnreachableTypo(t *testing.T) {
	e := &image.UnreachableError{Ref: "nignx:latest", Registries: []string{"docker.io"}, Err: errors.New("no such host"),
		Offline: fmt.Errorf("bake: %w", suggester{"nginx"})}
	want := "cannot pull nignx:latest: registry docker.io cannot be reached and Dockyard has no image of that name; did you mean nginx?"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e.Ref, e.Offline = "myapp:latest", otherTagger{[]string{"myapp:v1", "myapp:v2"}}
	want = "cannot pull myapp:latest: registry docker.io cannot be reached and there is no image of that tag here; did you mean myapp:v1 or myapp:v2?"
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
