package bake

import (
	"bufio"
	"context"
	"fmt"
	"io"
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

// bootstrap makes a base image: debootstrap into a fresh directory, trim
// what Debian's own container images leave out, pack it as one layer.
func (b *Baker) bootstrap(ctx context.Context, r *Recipe, label string) error {
	if _, err := exec.LookPath("debootstrap"); err != nil {
		return fmt.Errorf("debootstrap is not installed (apt-get install debootstrap)")
	}
	work, err := os.MkdirTemp(b.WorkDir, "bootstrap-"+r.Name+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
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
	fmt.Fprintf(b.Out, "[%s] debootstrap --variant=%s %s from %s\n", r.Name, variant, r.Bootstrap.Suite, mirror)
	// Downloaded packages are kept, so a changed recipe bakes again
	// without fetching them twice.
	debs := filepath.Join(b.WorkDir, "debs")
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "debootstrap", "--variant="+variant, "--cache-dir="+debs, r.Bootstrap.Suite, rootfs, mirror)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C")
	if err := runLogged(cmd, &packageCounter{out: b.Out, prefix: "[" + r.Name + "]   "}); err != nil {
		return fmt.Errorf("debootstrap %s from %s: %w (is the mirror reachable? see debootstrap's log above)", r.Bootstrap.Suite, mirror, err)
	}
	if err := trim(rootfs, r.Bootstrap.Suite, mirror, sources); err != nil {
		return err
	}

	fmt.Fprintf(b.Out, "[%s] packing the root filesystem as one layer\n", r.Name)
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
		CreatedBy: fmt.Sprintf("debootstrap --variant=%s %s %s # dockyard bake %s", variant, r.Bootstrap.Suite, mirror, r.Name),
	}}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.Out, "[%s] writing %s\n", r.Name, strings.Join(r.Familiar(), ", "))
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

// runLogged runs cmd, handing its combined output to out line by line.
func runLogged(cmd *exec.Cmd, out lineWriter) error {
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			out.line(sc.Text())
		}
		io.Copy(io.Discard, pr)
	}()
	err := cmd.Wait()
	pw.Close()
	<-done
	out.flush()
	return err
}

type lineWriter interface {
	line(string)
	flush()
}

// packageCounter shortens debootstrap's output: its one line per package
// and phase ("I: Retrieving libc6 2.36-9") becomes a count every 25
// packages; every other line is shown as it is.
type packageCounter struct {
	out    io.Writer
	prefix string
	phase  string
	n      int
}

func (p *packageCounter) line(l string) {
	for _, phase := range []string{"Retrieving", "Validating", "Extracting", "Unpacking", "Configuring"} {
		if strings.HasPrefix(l, "I: "+phase+" ") {
			if phase != p.phase {
				p.flush()
				p.phase = phase
			}
			p.n++
			if p.n%25 == 0 {
				fmt.Fprintf(p.out, "%s%s: %d packages\n", p.prefix, phase, p.n)
			}
			return
		}
	}
	p.flush()
	fmt.Fprintf(p.out, "%s%s\n", p.prefix, l)
}

func (p *packageCounter) flush() {
	if p.n%25 != 0 {
		fmt.Fprintf(p.out, "%s%s: %d packages\n", p.prefix, p.phase, p.n)
	}
	p.phase, p.n = "", 0
}
