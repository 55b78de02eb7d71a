package bake

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/dockyard-lab/dockyard/content/images"
)

func TestEmbeddedRecipesLoad(t *testing.T) {
	rs, err := LoadRecipes(images.Recipes())
	if err != nil {
		t.Fatalf("LoadRecipes(content/images) = %v", err)
	}
	names := rs.Names()
	if len(names) == 0 || names[0] != "debian" {
		t.Errorf("Names() = %v, want debian first (every other image is built FROM it)", names)
	}
	for _, ref := range []string{"debian", "debian:bookworm"} {
		if r := rs.ForRef(ref); r == nil || r.Name != "debian" {
			t.Errorf("ForRef(%q) = %v, want the debian recipe", ref, r)
		}
	}
	if r := rs.ForRef("mysql"); r != nil {
		t.Errorf("ForRef(%q) = %v, want none", "mysql", r.Name)
	}
}

func TestRecipeHashFollowsBase(t *testing.T) {
	base := &fstest.MapFile{Data: []byte("tags: [debian:bookworm]\nbootstrap: {suite: bookworm}\n")}
	app := fstest.MapFS{
		"debian/image.yaml": base,
		"app/image.yaml":    {Data: []byte("tags: [app:1]\n")},
		"app/Dockerfile":    {Data: []byte("FROM debian:bookworm AS b\nFROM b\nRUN true\n")},
	}
	rs, err := LoadRecipes(app)
	if err != nil {
		t.Fatal(err)
	}
	before := rs.Hash(rs.Get("app"))
	if got := rs.Get("app").From; !reflect.DeepEqual(got, []string{"docker.io/library/debian:bookworm"}) {
		t.Errorf("From = %v, want only debian:bookworm (b is a stage)", got)
	}
	app["debian/image.yaml"] = &fstest.MapFile{Data: []byte("tags: [debian:bookworm]\nbootstrap: {suite: bookworm, variant: minbase}\n")}
	rs, _ = LoadRecipes(app)
	if after := rs.Hash(rs.Get("app")); after == before {
		t.Errorf("Hash(app) = %s after its base recipe changed, want a new hash", after)
	}
}

func TestLoadRecipesReportsEveryProblem(t *testing.T) {
	_, err := LoadRecipes(fstest.MapFS{
		"a/image.yaml": {Data: []byte("tags: []\nbootstrap: {suite: bookworm}\n")},
		"b/image.yaml": {Data: []byte("tags: [b]\n")},
		"c/image.yaml": {Data: []byte("tags: [c]\n")},
		"c/Dockerfile": {Data: []byte("FROM nosuch:1\n")},
	})
	if err == nil {
		t.Fatal("LoadRecipes = nil error, want problems")
	}
	for _, want := range []string{"recipe a: image.yaml lists no tags", "recipe b: no bootstrap", "recipe c: FROM nosuch:1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("LoadRecipes error = %q, want it to contain %q", err, want)
		}
	}
}

func TestHostSources(t *testing.T) {
	tests := []struct {
		name, list, sources string
		want                []aptSource
	}{
		{"one-line", "# c\ndeb [signed-by=/k.gpg arch=amd64] http://m.example/debian/ bookworm main\ndeb-src http://x bookworm main\n", "", []aptSource{{"http://m.example/debian", "bookworm"}}},
		{"deb822", "", "Types: deb\n# http://snapshot\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\nTypes: deb-src\nURIs: http://src\nSuites: bookworm\n", []aptSource{{"http://deb.debian.org/debian", "bookworm"}, {"http://deb.debian.org/debian", "bookworm-updates"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := append(parseOneLine(tt.list), parseDeb822(tt.sources)...)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("sources = %v, want %v", got, tt.want)
			}
			if m := mirrorFor(got, "bookworm"); m != tt.want[0].uri {
				t.Errorf("mirrorFor = %q, want %q", m, tt.want[0].uri)
			}
		})
	}
	if m := mirrorFor(nil, "bookworm"); m != DefaultMirror {
		t.Errorf("mirrorFor(nothing) = %q, want %q", m, DefaultMirror)
	}
}
