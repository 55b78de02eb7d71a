package bake

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dockyard-lab/dockyard/sandbox/build"
)

// DefaultMirror is used when the host's apt sources name no Debian mirror.
const DefaultMirror = "http://deb.debian.org/debian"

// bootstrap makes a base image: mmdebstrap (or debootstrap when that is
// all there is) into a fresh directory, trim what Debian's own container
// images leave out, pack it as one layer.
func (b *Baker) bootstrap(ctx context.Context, r *Recipe, label string, it *imageTrack) error {
	tool := "mmdebstrap"
	if _, err := exec.LookPath(tool); err != nil {
		tool = "debootstrap"
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("neither mmdebstrap nor debootstrap is installed (apt-get install mmdebstrap)")
		}
	}
	work, err := os.MkdirTemp(b.WorkDir, "bootstrap-"+r.Name+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	// apt downloads as its _apt user, who must reach the root's folders.
	if err := os.Chmod(work, 0o755); err != nil {
		return err
	}
	rootfs := filepath.Join(work, "rootfs")

	mirror := b.Mirror
	var sources []aptSource
	if mirror == "" {
		sources = hostSources("/etc/apt")
		mirror = mirrorFor(sources, r.Bootstrap.Suite)
	}
	variant := r.Bootstrap.Variant
	if variant == "" {
		variant = "minbase"
	}
	// The packages and lists come from the shared apt cache and what was
	// fetched goes back to it, so the builds on this base and a changed
	// recipe baked again fetch none of them twice.
	c := b.aptCache()
	if err := c.init(); err != nil {
		return err
	}
	b.adoptDebs(c)
	had := debs(c.archives())
	out := filepath.Join(work, "apt")
	args := bootstrapArgs(tool, variant, r.Bootstrap.Suite, rootfs, mirror, c, out)
	it.printf("%s %s", tool, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C")
	cmd.Stdout, cmd.Stderr = it, it
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s from %s: %w (is the mirror reachable?)", tool, r.Bootstrap.Suite, mirror, err)
	}
	if tool == "mmdebstrap" {
		if err := c.add(filepath.Join(out, "archives"), filepath.Join(out, "lists")); err != nil {
			return err
		}
	}
	n := 0
	for d := range debs(c.archives()) {
		if !had[d] {
			n++
		}
	}
	it.printf("apt: fetched %d packages (%d were in the shared cache)", n, len(had))
	if err := trim(rootfs, r.Bootstrap.Suite, mirror, sources); err != nil {
		return err
	}

	it.set(PhaseExport, 0.8)
	it.printf("packing the root filesystem as one layer")
	layer, err := build.LayerFromDir(rootfs, filepath.Join(work, "layer.tar.gz"), build.LayerOptions{Skip: []string{"dev", "proc", "sys"}})
	if err != nil {
		return err
	}
	img, err := mutate.AppendLayers(empty.Image, layer)
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	now := time.Now().UTC()
	cfg.Created = v1.Time{Time: now}
	cfg.Architecture = runtime.GOARCH
	cfg.OS = "linux"
	cfg.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	cfg.Config.Cmd = r.Cmd
	cfg.Config.Labels = map[string]string{LabelRecipe: label}
	cfg.History = []v1.History{{
		Created:   v1.Time{Time: now},
		CreatedBy: fmt.Sprintf("%s --variant=%s %s %s # dockyard bake %s", tool, variant, r.Bootstrap.Suite, mirror, r.Name),
	}}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return err
	}
	it.set(PhaseExport, 0.9)
	it.printf("writing %s", strings.Join(r.Familiar(), ", "))
	return b.Store.Write(ctx, img, r.Tags...)
}

// trim removes what a container image does without (downloaded packages,
// apt lists, the host's resolver and hostname, device nodes) and points
// apt at the mirror the image was made from.
func trim(rootfs, suite, mirror string, sources []aptSource) error {
	var globs = []string{
		"var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*_*",
		"var/log/*.log", "var/log/apt/*", "dev/*", "etc/resolv.conf", "etc/hostname",
		"var/cache/debconf/*-old", "var/lib/dpkg/*-old",
	}
	for _, g := range globs {
		matches, err := filepath.Glob(filepath.Join(rootfs, g))
		if err != nil {
			return err
		}
		for _, m := range matches {
			if err := os.RemoveAll(m); err != nil {
				return fmt.Errorf("trim %s: %w", m, err)
			}
		}
	}
	// apt downloads as its _apt user (uid 42 in Debian) into these.
	for _, d := range []string{"var/lib/apt/lists/partial", "var/cache/apt/archives/partial"} {
		p := filepath.Join(rootfs, d)
		if err := os.MkdirAll(p, 0o700); err != nil {
			return err
		}
		if err := os.Chown(p, 42, 0); err != nil {
			return err
		}
		if err := os.Chmod(p, 0o700); err != nil {
			return err
		}
	}
	// An empty machine-id, as Debian's images have: systemd-less, each
	// container may fill it in.
	if err := os.WriteFile(filepath.Join(rootfs, "etc/machine-id"), nil, 0o444); err != nil {
		return err
	}
	var lines []string
	for _, s := range sources {
		if s.suite == suite || strings.HasPrefix(s.suite, suite+"-") || strings.HasPrefix(s.suite, suite+"/") {
			lines = append(lines, fmt.Sprintf("deb %s %s main", s.uri, s.suite))
		}
	}
	if len(lines) == 0 {
		lines = []string{fmt.Sprintf("deb %s %s main", mirror, suite)}
	}
	return os.WriteFile(filepath.Join(rootfs, "etc/apt/sources.list"), []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// bootstrapArgs are the arguments of mmdebstrap or debootstrap making a
// variant of suite in rootfs from mirror with the packages and lists of
// the apt cache c; mmdebstrap leaves what apt had at the end in out
// (archives/ and lists/), debootstrap adds its packages to c itself. The
// cache goes in and out as hard links (cp -al; rootfs, c and out are on
// one file system): apt renames its downloads into place and never writes
// into a file it has. mmdebstrap installs with apt in one pass; its
// merged-usr hook makes /bin a link to /usr/bin as debootstrap does,
// without the usrmerge package (and perl) in the image; dpkg skips fsync
// for a root file system that is packed right after.
func bootstrapArgs(tool, variant, suite, rootfs, mirror string, c aptCache, out string) []string {
	if tool == "debootstrap" {
		return []string{"--variant=" + variant, "--cache-dir=" + c.archives(), suite, rootfs, mirror}
	}
	outArchives, outLists := filepath.Join(out, "archives"), filepath.Join(out, "lists")
	return []string{
		"--variant=" + variant, "--mode=root", "--format=directory",
		"--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
		"--dpkgopt=force-unsafe-io",
		"--skip=essential/unlink",
		`--setup-hook=mkdir -p "$1"/var/cache/apt/archives "$1"/var/lib/apt/lists` +
			` && cp -al ` + shellQuote(c.archives()+"/.") + ` "$1"/var/cache/apt/archives/` +
			` && cp -al ` + shellQuote(c.lists()+"/.") + ` "$1"/var/lib/apt/lists/`,
		`--customize-hook=mkdir -p ` + shellQuote(outArchives) + " " + shellQuote(outLists) +
			` && cp -al "$1"/var/cache/apt/archives/. ` + shellQuote(outArchives+"/") +
			` && cp -al "$1"/var/lib/apt/lists/. ` + shellQuote(outLists+"/"),
		suite, rootfs, mirror,
	}
}

// shellQuote quotes s for sh.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// adoptDebs moves the packages of the cache folder bakes kept before the
// apt cache was shared (<WorkDir>/debs) into c.
func (b *Baker) adoptDebs(c aptCache) {
	old := filepath.Join(b.WorkDir, "debs")
	if _, err := os.Stat(old); err != nil {
		return
	}
	if err := linkFiles(old, c.archives(), false); err == nil {
		os.RemoveAll(old)
	}
}
