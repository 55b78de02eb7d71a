// Package bake makes the lesson images (debian, busybox, postgres, nginx)
// without Docker Hub, from recipes in content/images: the base image is
// bootstrapped from Debian's archive with debootstrap, the others are
// ordinary Dockerfiles FROM debian:bookworm run by the builder. Every baked
// image carries a label with its recipe's hash, so an image baked once is
// reused and a changed recipe is baked again.
package bake

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// LabelRecipe is the image label recording which recipe made an image:
// "<name>@sha256:<hash of the recipe's files and its base's recipe>".
const LabelRecipe = "org.dockyard.recipe"

// bakerVersion is part of every recipe's hash: raise it when the way images
// are baked changes (what the base image trims, say), so they bake again.
const bakerVersion = "2"

// Recipe is one image's recipe folder.
type Recipe struct {
	// Name is the folder's name, e.g. "postgres".
	Name string
	// Tags are the references the image is written under, normalised
	// (docker.io/library/postgres:15).
	Tags []string
	// Bootstrap, when set, makes a base image with debootstrap; otherwise
	// the folder is a build context with a Dockerfile.
	Bootstrap *Bootstrap
	// Cmd is the base image's default command (bootstrapped images only).
	Cmd []string
	// From lists the images the Dockerfile builds FROM (normalised).
	From []string

	files    fs.FS
	own      string       // hash of the folder's own files
	installs []aptInstall // what its Dockerfile installs with apt-get
}

// Bootstrap says how to debootstrap a base image.
type Bootstrap struct {
	Suite   string `yaml:"suite"`
	Variant string `yaml:"variant"`
}

type imageYAML struct {
	Tags      []string   `yaml:"tags"`
	Bootstrap *Bootstrap `yaml:"bootstrap"`
	Cmd       []string   `yaml:"cmd"`
}

// Recipes is the set of recipes, by name.
type Recipes struct {
	byName map[string]*Recipe
}

// LoadRecipes reads every folder of fsys as a recipe and checks them all,
// reporting every problem found.
func LoadRecipes(fsys fs.FS) (*Recipes, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read recipes: %w", err)
	}
	rs := &Recipes{byName: map[string]*Recipe{}}
	var problems []string
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		r, errs := loadRecipe(fsys, e.Name())
		for _, err := range errs {
			problems = append(problems, fmt.Sprintf("recipe %s: %v", e.Name(), err))
		}
		if r != nil {
			rs.byName[r.Name] = r
		}
	}
	for _, r := range rs.byName {
		for _, from := range r.From {
			if rs.ForRef(from) == nil && from != "scratch" {
				problems = append(problems, fmt.Sprintf("recipe %s: FROM %s: no recipe makes that image", r.Name, mustParse(from).Familiar()))
			}
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return rs, nil
}

func loadRecipe(fsys fs.FS, name string) (*Recipe, []error) {
	sub, err := fs.Sub(fsys, name)
	if err != nil {
		return nil, []error{err}
	}
	var errs []error
	b, err := fs.ReadFile(sub, "image.yaml")
	if err != nil {
		return nil, []error{fmt.Errorf("image.yaml: %w", err)}
	}
	var y imageYAML
	if err := yaml.Unmarshal(b, &y); err != nil {
		return nil, []error{fmt.Errorf("image.yaml: %w", err)}
	}
	r := &Recipe{Name: name, Bootstrap: y.Bootstrap, Cmd: y.Cmd, files: sub}
	if len(y.Tags) == 0 {
		errs = append(errs, fmt.Errorf("image.yaml lists no tags"))
	}
	for _, t := range y.Tags {
		n, err := image.ParseNormalized(t)
		if err != nil {
			errs = append(errs, fmt.Errorf("tag %q: %v", t, err))
			continue
		}
		r.Tags = append(r.Tags, n.WithDefaultTag().String())
	}
	if r.Bootstrap == nil {
		df, err := fs.ReadFile(sub, "Dockerfile")
		if err != nil {
			errs = append(errs, fmt.Errorf("no bootstrap in image.yaml and no Dockerfile: %w", err))
		} else {
			r.From = fromLines(string(df))
			r.installs = aptInstalls(string(df))
		}
	}
	r.own, err = hashFiles(sub)
	if err != nil {
		errs = append(errs, err)
	}
	return r, errs
}

// fromLines returns the images a Dockerfile builds FROM, skipping stages it
// names itself. A recipe's Dockerfile is ours, so a line scan is enough to
// find its bases; the builder parses it properly.
func fromLines(df string) []string {
	var out []string
	stages := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(df))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || !strings.EqualFold(f[0], "FROM") {
			continue
		}
		args := f[1:]
		for len(args) > 0 && strings.HasPrefix(args[0], "--") {
			args = args[1:]
		}
		if len(args) == 0 {
			continue
		}
		img := args[0]
		if !stages[strings.ToLower(img)] && img != "scratch" {
			if n, err := image.ParseNormalized(img); err == nil {
				out = append(out, n.WithDefaultTag().String())
			}
		}
		if len(args) >= 3 && strings.EqualFold(args[1], "AS") {
			stages[strings.ToLower(args[2])] = true
		}
	}
	return out
}

// aptInstall is one "apt-get install" of a Dockerfile.
type aptInstall struct {
	Base         string // the image of the stage it runs in (normalised)
	Packages     []string
	NoRecommends bool
}

// aptInstalls finds the packages a recipe's Dockerfile installs with
// apt-get (or apt), so that a bake can download them once for all the
// images built on the same base. As fromLines, a scan of our own
// Dockerfiles: an install that names a variable or a pattern is left out
// (its build fetches it), and so is one in a stage built on another stage.
func aptInstalls(df string) []aptInstall {
	var out []aptInstall
	stages := map[string]bool{}
	base := ""
	for _, line := range strings.Split(strings.ReplaceAll(df, "\\\n", " "), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch strings.ToUpper(f[0]) {
		case "FROM":
			args := f[1:]
			for len(args) > 0 && strings.HasPrefix(args[0], "--") {
				args = args[1:]
			}
			base = ""
			if len(args) > 0 && !stages[strings.ToLower(args[0])] && args[0] != "scratch" {
				if n, err := image.ParseNormalized(args[0]); err == nil {
					base = n.WithDefaultTag().String()
				}
			}
			if len(args) >= 3 && strings.EqualFold(args[1], "AS") {
				stages[strings.ToLower(args[2])] = true
			}
		case "RUN":
			if base == "" {
				continue
			}
			for i := 1; i+1 < len(f); i++ {
				if (f[i] == "apt-get" || f[i] == "apt") && f[i+1] == "install" {
					if in, ok := installArgs(f[i+2:]); ok {
						in.Base = base
						out = append(out, in)
					}
				}
			}
		}
	}
	return out
}

// installArgs reads apt-get install's arguments up to the end of its shell
// command.
func installArgs(words []string) (aptInstall, bool) {
	var in aptInstall
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w == "&&" || w == "||" || w == ";" || w == "|" {
			break
		}
		last := strings.HasSuffix(w, ";")
		w = strings.TrimSuffix(w, ";")
		switch {
		case w == "--no-install-recommends":
			in.NoRecommends = true
		case w == "-o" || w == "-t" || w == "-c":
			i++ // the option's value
		case strings.HasPrefix(w, "-"):
		case strings.ContainsAny(w, "$`'\"*?[]<>(){}"):
			return aptInstall{}, false
		default:
			in.Packages = append(in.Packages, w)
		}
		if last {
			break
		}
	}
	return in, len(in.Packages) > 0
}

func mustParse(s string) image.Reference {
	n, err := image.ParseNormalized(s)
	if err != nil {
		panic(err)
	}
	return n
}

// hashFiles hashes every file's path and content, in a fixed order.
func hashFiles(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path.Clean(p), len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash recipe files: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Names lists the recipes, bases before the images built on them.
func (rs *Recipes) Names() []string {
	var names []string
	seen := map[string]bool{}
	var visit func(r *Recipe)
	visit = func(r *Recipe) {
		if seen[r.Name] {
			return
		}
		seen[r.Name] = true
		for _, from := range r.From {
			if dep := rs.ForRef(from); dep != nil {
				visit(dep)
			}
		}
		names = append(names, r.Name)
	}
	all := make([]string, 0, len(rs.byName))
	for n := range rs.byName {
		all = append(all, n)
	}
	sort.Strings(all)
	for _, n := range all {
		visit(rs.byName[n])
	}
	return names
}

// Get returns the recipe called name, or nil.
func (rs *Recipes) Get(name string) *Recipe { return rs.byName[name] }

// ForRef returns the recipe whose tags include ref ("postgres",
// "postgres:15", "docker.io/library/postgres:latest"), or nil.
func (rs *Recipes) ForRef(ref string) *Recipe {
	n, err := image.ParseNormalized(ref)
	if err != nil {
		return nil
	}
	full := n.WithDefaultTag().String()
	for _, r := range rs.byName {
		for _, t := range r.Tags {
			if t == full {
				return r
			}
		}
	}
	return nil
}

// Hash is the recipe's identity: its own files and, recursively, the
// recipes of the images it is built FROM, so a changed base rebuilds it.
func (rs *Recipes) Hash(r *Recipe) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", bakerVersion, r.Name, r.own)
	for _, from := range r.From {
		if dep := rs.ForRef(from); dep != nil && dep != r {
			fmt.Fprintf(h, "%s\x00", rs.Hash(dep))
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Label is the value of LabelRecipe for r.
func (rs *Recipes) Label(r *Recipe) string { return r.Name + "@" + rs.Hash(r) }

// Files is the recipe's folder, the build context of its Dockerfile.
func (r *Recipe) Files() fs.FS { return r.files }

// only returns r narrowed to tag, one of its tags: what a pull of that tag
// brings back.
func (r *Recipe) only(tag string) *Recipe {
	one := *r
	one.Tags = []string{tag}
	return &one
}

// NoRecipe is the error for ref, which no recipe makes.
func (rs *Recipes) NoRecipe(ref string) *NoRecipeError {
	e := &NoRecipeError{Ref: ref, Known: rs.Names()}
	if n, err := image.ParseNormalized(ref); err == nil {
		for _, name := range rs.Names() {
			r := rs.Get(name)
			if len(r.Tags) > 0 && mustParse(r.Tags[0]).Name() == n.Name() {
				e.Tags = r.Familiar()
			}
		}
	}
	return e
}

// Familiar returns the recipe's tags as Docker shows them.
func (r *Recipe) Familiar() []string {
	out := make([]string, len(r.Tags))
	for i, t := range r.Tags {
		out[i] = mustParse(t).Familiar()
	}
	return out
}
