package bake

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/dockyard-lab/dockyard/content/images"
	"github.com/dockyard-lab/dockyard/sandbox/build"
)

func TestAptInstalls(t *testing.T) {
	const deb = "docker.io/library/debian:bookworm"
	tests := []struct {
		name, df string
		want     []aptInstall
	}{
		{"continued lines", "FROM debian:bookworm\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends nginx-light curl \\\n && rm -rf /var/lib/apt/lists/*\n",
			[]aptInstall{{Base: deb, Packages: []string{"nginx-light", "curl"}, NoRecommends: true}}},
		{"recommends, semicolon", "FROM debian:bookworm\nRUN apt install -y -o Dpkg::Options::=--force-confold vim; echo done\n",
			[]aptInstall{{Base: deb, Packages: []string{"vim"}}}},
		{"named stage, then scratch", "FROM debian:bookworm AS get\nRUN apt-get install -y busybox-static\nFROM scratch\nCOPY --from=get /bin/busybox /\n",
			[]aptInstall{{Base: deb, Packages: []string{"busybox-static"}}}},
		{"stage on a stage is left to its build", "FROM debian:bookworm AS a\nFROM a\nRUN apt-get install -y make\n", nil},
		{"a variable is left to the build", "FROM debian:bookworm\nARG PKG=curl\nRUN apt-get install -y $PKG\n", nil},
		{"version pin", "FROM debian:bookworm\nRUN apt-get install -y postgresql-15=15.8-0+deb12u1\n",
			[]aptInstall{{Base: deb, Packages: []string{"postgresql-15=15.8-0+deb12u1"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := aptInstalls(tt.df); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("aptInstalls(%q) = %+v, want %+v", tt.df, got, tt.want)
			}
		})
	}
}

// The lesson recipes' installs are all found, so their bake fetches them
// once.
func TestLessonRecipesInstalls(t *testing.T) {
	rs, err := LoadRecipes(images.Recipes())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"busybox": {"busybox-static"}, "nginx": {"nginx-light", "gettext-base"}, "postgres": {"postgresql-15"}}
	for name, pkgs := range want {
		var got []string
		for _, in := range rs.Get(name).installs {
			got = append(got, in.Packages...)
		}
		if !reflect.DeepEqual(got, pkgs) {
			t.Errorf("recipe %s installs %v, want %v", name, got, pkgs)
		}
	}
}

// A build's copy of the cache is made of links; what the build fetched
// goes back to the cache, and a list fetched again replaces the cache's.
func TestAptCacheCheckoutCheckin(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (partial/ belongs to apt's _apt user)")
	}
	c := aptCache{dir: t.TempDir()}
	if err := c.init(); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(c.archives(), "a_1_amd64.deb"), "a")
	write(filepath.Join(c.lists(), "x_Packages"), "old")
	write(filepath.Join(c.archives(), "lock"), "")

	co, err := c.checkout("app")
	if err != nil {
		t.Fatal(err)
	}
	if !sameFile(t, filepath.Join(co.archives, "a_1_amd64.deb"), filepath.Join(c.archives(), "a_1_amd64.deb")) {
		t.Error("the copy's package is not a link to the cache's")
	}
	if _, err := os.Stat(filepath.Join(co.archives, "lock")); err == nil {
		t.Error("the cache's lock was linked into the copy")
	}
	if fi, err := os.Stat(filepath.Join(co.archives, "partial")); err != nil || fi.Sys() == nil {
		t.Errorf("copy has no partial/: %v", err)
	}
	// The build fetches b and a new list (apt renames it over the old).
	write(filepath.Join(co.archives, "b_2_amd64.deb"), "b")
	write(filepath.Join(co.lists, "x_Packages.new"), "new")
	if err := os.Rename(filepath.Join(co.lists, "x_Packages.new"), filepath.Join(co.lists, "x_Packages")); err != nil {
		t.Fatal(err)
	}
	n, err := co.checkin()
	if err != nil || n != 1 {
		t.Errorf("checkin() = %d, %v; want 1 package fetched", n, err)
	}
	if got := debs(c.archives()); !got["a_1_amd64.deb"] || !got["b_2_amd64.deb"] {
		t.Errorf("cache has %v, want a and b", got)
	}
	if b, _ := os.ReadFile(filepath.Join(c.lists(), "x_Packages")); string(b) != "new" {
		t.Errorf("cache's list = %q, want the one fetched again", b)
	}
	if _, err := os.Stat(co.dir); err == nil {
		t.Error("the copy is left after checkin")
	}
}

func sameFile(t *testing.T, a, b string) bool {
	t.Helper()
	fa, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := os.Stat(b)
	if err != nil {
		t.Fatal(err)
	}
	return os.SameFile(fa, fb)
}

// The images built on one base side by side have their packages fetched
// once, in one run before any of them builds, and each build gets the
// cache bound at apt's folders.
func TestBakeFetchesPackagesOnce(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root (partial/ belongs to apt's _apt user)")
	}
	files := fstest.MapFS{
		"debian/image.yaml": {Data: []byte("tags: [debian:bookworm]\nbootstrap: {suite: bookworm}\n")},
		"web/image.yaml":    {Data: []byte("tags: [web:1]\n")},
		"web/Dockerfile":    {Data: []byte("FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends nginx-light\n")},
		"db/image.yaml":     {Data: []byte("tags: [db:1]\n")},
		"db/Dockerfile":     {Data: []byte("FROM debian:bookworm\nRUN apt-get update && apt-get install -y postgresql-15\n")},
	}
	b, _, _ := fakeBaker(t, files)
	var mu sync.Mutex
	var runs []string
	var mounted [][]build.Mount
	b.Run = func(_ context.Context, ref string, args []string, mounts []build.Mount, _ io.Writer) error {
		mu.Lock()
		defer mu.Unlock()
		runs = append(runs, ref+": "+strings.Join(args, " "))
		return nil
	}
	build0 := b.Build
	b.Build = func(ctx context.Context, dir string, tags []string, labels map[string]string, mounts []build.Mount, out io.Writer) error {
		mu.Lock()
		if len(runs) == 0 {
			t.Errorf("%s built before its packages were fetched", tags[0])
		}
		mounted = append(mounted, mounts)
		mu.Unlock()
		return build0(ctx, dir, tags, labels, mounts, out)
	}
	if _, err := b.BakeAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "docker.io/library/debian:bookworm: sh -c apt-get update && " +
		"apt-get install --download-only -y postgresql-15 && apt-get install --download-only -y --no-install-recommends nginx-light"
	if len(runs) != 1 || runs[0] != want {
		t.Errorf("runs = %q, want one: %q", runs, want)
	}
	if len(mounted) != 2 {
		t.Fatalf("%d builds, want 2", len(mounted))
	}
	for _, m := range mounted {
		var dsts []string
		for _, x := range m {
			dsts = append(dsts, x.Destination)
		}
		sort.Strings(dsts)
		if !reflect.DeepEqual(dsts, []string{"/var/cache/apt/archives", "/var/lib/apt/lists"}) {
			t.Errorf("build mounts %v, want apt's archives and lists", dsts)
		}
	}
	// Baked: nothing to fetch the next time.
	runs = nil
	if _, err := b.BakeAll(context.Background()); err != nil || len(runs) != 0 {
		t.Errorf("second bake ran %q, %v; want nothing", runs, err)
	}
}
