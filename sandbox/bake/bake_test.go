package bake

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gofrs/flock"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dockyard-lab/dockyard/sandbox/build"
)

// memStore is an image store that keeps only configs, by full reference.
type memStore struct {
	cfg  map[string]*v1.ConfigFile
	kept map[string]*v1.ConfigFile // by "manifest": what rmi leaves
}

func (m *memStore) Config(_ context.Context, ref string) (*v1.ConfigFile, error) {
	return m.cfg[ref], nil
}

func (m *memStore) Write(_ context.Context, img v1.Image, tags ...string) error {
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	for _, t := range tags {
		m.cfg[t] = cfg
	}
	return nil
}

func (m *memStore) Manifest(_ context.Context, ref string) (string, error) {
	if m.cfg[ref] == nil {
		return "", errors.New("no such image " + ref)
	}
	return "sha256:" + m.cfg[ref].Config.Labels[LabelRecipe], nil
}

// Restore points tags at the config Manifest named: one still tagged, or
// one kept by rmi.
func (m *memStore) Restore(ctx context.Context, manifest string, tags []string) error {
	cfg := m.kept[manifest]
	for ref := range m.cfg {
		if md, _ := m.Manifest(ctx, ref); md == manifest {
			cfg = m.cfg[ref]
		}
	}
	if cfg == nil {
		return ErrGone
	}
	for _, t := range tags {
		m.cfg[t] = cfg
	}
	return nil
}

// fakeBaker bakes a two-recipe tree where the base is pretended bootstrapped
// (written straight into the store under the label) and the app is built by
// a build func that records its calls.
func fakeBaker(t *testing.T, files fstest.MapFS) (*Baker, *memStore, *[]string) {
	t.Helper()
	rs, err := LoadRecipes(files)
	if err != nil {
		t.Fatal(err)
	}
	store := &memStore{cfg: map[string]*v1.ConfigFile{}, kept: map[string]*v1.ConfigFile{}}
	var built []string
	b := &Baker{
		Recipes: rs, Store: store, WorkDir: t.TempDir(), Out: io.Discard,
		Build: func(_ context.Context, dir string, tags []string, labels map[string]string, _ []build.Mount, _ io.Writer) error {
			built = append(built, tags[0])
			for _, tag := range tags {
				store.cfg[tag] = &v1.ConfigFile{Config: v1.Config{Labels: labels}}
			}
			return nil
		},
	}
	// The base would need debootstrap: mark it baked from its recipe.
	base := rs.Get("debian")
	for _, tag := range base.Tags {
		store.cfg[tag] = &v1.ConfigFile{Config: v1.Config{Labels: map[string]string{LabelRecipe: rs.Label(base)}}}
	}
	return b, store, &built
}

func recipeTree(appDockerfile string) fstest.MapFS {
	return fstest.MapFS{
		"debian/image.yaml": {Data: []byte("tags: [debian:bookworm]\nbootstrap: {suite: bookworm}\n")},
		"app/image.yaml":    {Data: []byte("tags: [app:1, app:latest]\n")},
		"app/Dockerfile":    {Data: []byte(appDockerfile)},
		"app/run.sh":        {Data: []byte("#!/bin/sh\n")},
	}
}

func TestBakeOnceThenUpToDate(t *testing.T) {
	b, _, built := fakeBaker(t, recipeTree("FROM debian:bookworm\nCOPY run.sh /\n"))
	ctx := context.Background()
	res, err := b.BakeRef(ctx, "app")
	if err != nil {
		t.Fatalf("BakeRef(app) = %v", err)
	}
	if len(res) != 2 || !res[0].Cached || res[1].Cached {
		t.Errorf("first bake results = %+v, want debian up to date, then app baked", res)
	}
	var out bytes.Buffer
	b.Out = &out
	res, err = b.BakeRef(ctx, "app:latest")
	if err != nil || len(res) != 1 || !res[0].Cached {
		t.Errorf("second bake = %+v, %v; want app up to date", res, err)
	}
	if len(*built) != 1 {
		t.Errorf("app built %d times, want once", len(*built))
	}
	if !strings.Contains(out.String(), "[app] app:latest is up to date (recipe sha256:") {
		t.Errorf("progress = %q, want an up-to-date line with the recipe hash", out.String())
	}
}

func TestBakeAgainWhenTheRecipeChanges(t *testing.T) {
	b, store, built := fakeBaker(t, recipeTree("FROM debian:bookworm\nCOPY run.sh /\n"))
	ctx := context.Background()
	if _, err := b.Bake(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	changed, _, _ := fakeBaker(t, recipeTree("FROM debian:bookworm\nCOPY run.sh /usr/local/bin/\n"))
	b.Recipes = changed.Recipes
	// The base keeps its label: its recipe did not change.
	if _, err := b.Bake(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if len(*built) != 2 {
		t.Errorf("app built %d times across a recipe change, want 2", len(*built))
	}
	if got, want := store.cfg["docker.io/library/app:1"].Config.Labels[LabelRecipe], b.Recipes.Label(b.Recipes.Get("app")); got != want {
		t.Errorf("label after rebake = %q, want %q", got, want)
	}
}

// TestNoRecipeSuggests: a typo in a lesson image's name is named as one.
func TestNoRecipeSuggests(t *testing.T) {
	known := []string{"debian", "busybox", "nginx", "postgres"}
	for ref, want := range map[string]string{
		"busybx:latest":                   "; did you mean busybox?)",
		"docker.io/library/ngnix:1.22":    "; did you mean nginx?)",
		"postgress":                       "; did you mean postgres?)",
		"mysql:8":                         "postgres)",
		"busybox@sha256:0123456789abcdef": "postgres)",
	} {
		if got := (&NoRecipeError{Ref: ref, Known: known}).Error(); !strings.HasSuffix(got, want) {
			t.Errorf("NoRecipeError{%q}.Error() = %q, want suffix %q", ref, got, want)
		}
	}
}

// TestNoRecipeForTag: a tag of a lesson image that Dockyard does not bake
// (postgres:16 from a tutorial) names the tags it does bake, instead of
// listing postgres among the images it can bake.
func TestNoRecipeForTag(t *testing.T) {
	b, _, _ := fakeBaker(t, recipeTree("FROM debian:bookworm\n"))
	_, err := b.BakeRef(context.Background(), "app:2")
	var nr *NoRecipeError
	if !errors.As(err, &nr) || err.Error() != "no recipe for app:2 (Dockyard bakes it only as app:1 or app:latest: use one of those)" {
		t.Errorf("BakeRef(app:2) = %v, want the tags the recipe of app makes", err)
	}
}

// TestNoRecipeSuggestsLocal: a typo of an image the student built
// (myap for myapp) is suggested as one of a recipe's name is.
func TestNoRecipeSuggestsLocal(t *testing.T) {
	known := []string{"debian", "busybox", "nginx", "postgres"}
	local := []string{"myapp:latest", "me/webapp:1", "nginx:latest"}
	for ref, want := range map[string]string{
		"myap:latest": "myapp",
		"webap":       "me/webapp",
		"ngix":        "nginx",
		"myapp:v2":    "", // the repository is there: a tag, not a typo
		"mysql:8":     "",
	} {
		if got := (&NoRecipeError{Ref: ref, Known: known, Local: local}).Suggestion(); got != want {
			t.Errorf("NoRecipeError{%q}.Suggestion() = %q, want %q", ref, got, want)
		}
	}
}

// TestNoRecipeOtherTags: myapp built as myapp:v1 and run as myapp (its
// latest tag) names the tag it has.
func TestNoRecipeOtherTags(t *testing.T) {
	local := []string{"myapp:v1", "busybox:latest", "myapp2:latest"}
	for ref, want := range map[string]string{
		"myapp:latest": "myapp:v1",
		"myapp:v1":     "",
		"busybox:1.35": "busybox:latest",
		"nginx:latest": "",
	} {
		if got := strings.Join((&NoRecipeError{Ref: ref, Local: local}).OtherTags(), " "); got != want {
			t.Errorf("NoRecipeError{%q}.OtherTags() = %q, want %q", ref, got, want)
		}
	}
}

func TestBakeRefWithoutRecipe(t *testing.T) {
	b, _, _ := fakeBaker(t, recipeTree("FROM debian:bookworm\n"))
	_, err := b.BakeRef(context.Background(), "mysql:8")
	var nr *NoRecipeError
	if !errors.As(err, &nr) || !strings.Contains(err.Error(), "no recipe for mysql:8") {
		t.Errorf("BakeRef(mysql:8) = %v, want NoRecipeError", err)
	}
}

// rmi removes the image under tags as "docker rmi" does, keeping its parts
// as the image store keeps a baked image's.
func (m *memStore) rmi(tags ...string) {
	for _, t := range tags {
		md, _ := m.Manifest(context.Background(), t)
		m.kept[md] = m.cfg[t]
		delete(m.cfg, t)
	}
}

// After "docker rmi", baking the same recipe again is a re-tag of what the
// last bake made; a changed recipe is built.
func TestBakeAfterRemoveRestores(t *testing.T) {
	b, store, built := fakeBaker(t, recipeTree("FROM debian:bookworm\nCOPY run.sh /\n"))
	ctx := context.Background()
	if _, err := b.Bake(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	store.rmi("docker.io/library/app:1", "docker.io/library/app:latest")
	res, err := b.Bake(ctx, "app")
	if err != nil {
		t.Fatalf("Bake(app) after rmi = %v", err)
	}
	if len(*built) != 1 || !res[1].Restored {
		t.Errorf("after rmi: built %d times, result %+v; want one build and app restored", len(*built), res[1])
	}
	if store.cfg["docker.io/library/app:latest"] == nil {
		t.Errorf("app:latest is not back after the restore")
	}
	if got := KeptManifests(b.WorkDir); len(got) != 2 {
		t.Errorf("KeptManifests = %v, want debian's and app's manifests", got)
	}

	changed, _, _ := fakeBaker(t, recipeTree("FROM debian:bookworm\nCOPY run.sh /usr/local/bin/\n"))
	b.Recipes = changed.Recipes
	store.rmi("docker.io/library/app:1", "docker.io/library/app:latest")
	if _, err := b.Bake(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if len(*built) != 2 {
		t.Errorf("after rmi and a recipe change app was built %d times, want 2", len(*built))
	}
}

// A second bake in the same state root waits for the first, showing the
// first one's progress, and is done as soon as its images are.
func TestBakeWaitsForAnotherProcess(t *testing.T) {
	b, store, built := fakeBaker(t, recipeTree("FROM debian:bookworm\nCOPY run.sh /\n"))
	ctx := context.Background()
	other := flock.New(filepath.Join(b.WorkDir, "bake.lock"))
	if err := other.Lock(); err != nil {
		t.Fatal(err)
	}
	defer other.Unlock()
	// The other bake (another process's Baker): app is exporting, then done.
	tr := newTracker(&Baker{WorkDir: b.WorkDir}, []string{"app"})
	tr.image("app").set(PhaseExport, 0.9)
	var seen []string
	b.Progress = func(p Progress) { seen = append(seen, p.Name+" "+p.Phase) }
	go func() {
		time.Sleep(700 * time.Millisecond)
		for _, tag := range []string{"docker.io/library/app:1", "docker.io/library/app:latest"} {
			store.cfg[tag] = &v1.ConfigFile{Config: v1.Config{Labels: map[string]string{LabelRecipe: b.Recipes.Label(b.Recipes.Get("app"))}}}
		}
		tr.image("app").finish(PhaseDone)
	}()
	res, err := b.Bake(ctx, "app")
	if err != nil {
		t.Fatalf("Bake while another bakes = %v", err)
	}
	if len(*built) != 0 || len(res) != 2 || !res[1].Cached {
		t.Errorf("Bake while another bakes built %v, results %+v; want nothing built, debian and app up to date", *built, res)
	}
	if len(seen) == 0 || seen[0] != "app export" {
		t.Errorf("progress while waiting = %v, want the other bake's app export first", seen)
	}
}

// A pull names one tag: BakeRef brings back that tag only, as "docker pull
// postgres" brings back postgres:latest and not postgres:15, and leaves the
// bases alone when the image comes back from its last bake.
func TestBakeRefBringsBackOnlyTheTagAskedFor(t *testing.T) {
	b, store, built := fakeBaker(t, recipeTree("FROM debian:bookworm\nCOPY run.sh /\n"))
	ctx := context.Background()
	if _, err := b.Bake(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	store.rmi("docker.io/library/app:1", "docker.io/library/app:latest", "docker.io/library/debian:bookworm")
	res, err := b.BakeRef(ctx, "app")
	if err != nil {
		t.Fatalf("BakeRef(app) after rmi = %v", err)
	}
	if len(res) != 1 || !res[0].Restored || len(res[0].Tags) != 1 || res[0].Tags[0] != "app:latest" {
		t.Errorf("BakeRef(app) after rmi = %+v, want app restored as app:latest alone", res)
	}
	for ref, want := range map[string]bool{
		"docker.io/library/app:latest":      true,
		"docker.io/library/app:1":           false,
		"docker.io/library/debian:bookworm": false,
	} {
		if got := store.cfg[ref] != nil; got != want {
			t.Errorf("after BakeRef(app): %s present = %v, want %v", ref, got, want)
		}
	}
	// The other tag comes back when it is asked for, still without a build.
	if _, err := b.BakeRef(ctx, "app:1"); err != nil {
		t.Fatal(err)
	}
	if store.cfg["docker.io/library/app:1"] == nil || len(*built) != 1 {
		t.Errorf("BakeRef(app:1): app:1 present = %v, built %d times; want it back and one build", store.cfg["docker.io/library/app:1"] != nil, len(*built))
	}
}

// Baked for a pull on a fresh root, the image is written under the tag
// asked for; a later bake of every tag re-tags it without building.
func TestBakeRefOnAFreshRootWritesTheTagAskedFor(t *testing.T) {
	b, store, built := fakeBaker(t, recipeTree("FROM debian:bookworm\nCOPY run.sh /\n"))
	ctx := context.Background()
	if _, err := b.BakeRef(ctx, "app:1"); err != nil {
		t.Fatalf("BakeRef(app:1) = %v", err)
	}
	if store.cfg["docker.io/library/app:1"] == nil || store.cfg["docker.io/library/app:latest"] != nil {
		t.Errorf("after BakeRef(app:1): app:1 present = %v, app:latest present = %v; want only app:1",
			store.cfg["docker.io/library/app:1"] != nil, store.cfg["docker.io/library/app:latest"] != nil)
	}
	res, err := b.Bake(ctx, "app")
	if err != nil || len(*built) != 1 || !res[1].Restored || store.cfg["docker.io/library/app:latest"] == nil {
		t.Errorf("Bake(app) after BakeRef(app:1) = %+v, %v, built %d times; want app:latest re-tagged, one build", res, err, len(*built))
	}
}
