package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// TestContainerImage builds Dockyard's container image from the
// repository's Dockerfile with podman and runs, in a privileged podman
// container with a volume at the state root (as docs/classroom.md says a
// student's runs), the course's first lesson and the postgres capstone
// through "dockyard author test": every step's setup, checks, reference
// solution and cleanup on the engine inside the container. The volume is
// seeded with the lesson images baked in $DOCKYARD_TEST_ROOT, so nothing is
// baked again; the image's own packages come from Debian's archive.
func TestContainerImage(t *testing.T) {
	if _, err := exec.LookPath("podman"); err != nil {
		t.Skip("needs podman (bash .ci/setup installs it)")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root: a privileged podman container")
	}
	testRoot := os.Getenv("DOCKYARD_TEST_ROOT")
	if testRoot == "" {
		testRoot = "/var/cache/dockyard-test"
	}
	if _, err := os.Stat(filepath.Join(testRoot, "images")); err != nil {
		t.Fatalf("no baked lesson images in %s to seed the volume with (bash .ci/setup --test-images bakes them): %v", testRoot, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()

	work := t.TempDir()
	p := newPodman(t, ctx, work)
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}

	// The build context: the repository's Dockerfile and bin/ as make
	// build leaves it.
	buildCtx := filepath.Join(work, "context")
	bin := filepath.Join(buildCtx, "bin")
	for _, cmd := range []string{"dockyard", "dockyard-monitor"} {
		run(t, ctx, repo, nil, "go", "build", "-tags", "seccomp,netgo,osusergo", "-o", filepath.Join(bin, cmd), "./cmd/"+cmd)
	}
	// Docker Compose, for the compose lesson and the capstone's last step,
	// as make compose leaves it (make test builds it first).
	compose := filepath.Join(repo, "bin", "cli-plugins", "docker-compose")
	if _, err := os.Stat(compose); err != nil {
		t.Fatalf("Docker Compose is not built (run make compose; make test does): %v", err)
	}
	if err := os.MkdirAll(filepath.Join(bin, "cli-plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "", nil, "cp", compose, filepath.Join(bin, "cli-plugins")+"/")
	dockerfile, err := os.ReadFile(filepath.Join(repo, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(buildCtx, "Dockerfile"), dockerfile, 0o644); err != nil {
		t.Fatal(err)
	}

	// FROM debian:bookworm: the debian image Dockyard baked, as no
	// registry is reachable.
	base := filepath.Join(work, "debian.tar")
	run(t, ctx, repo, nil, filepath.Join(bin, "dockyard"), "--root", testRoot, "docker", "save", "-o", base, "debian:bookworm")
	p.run("load", "-q", "-i", base)
	os.Remove(base)
	image := "localhost/dockyard-test-classroom:latest"
	p.run("build", "--network", p.network, "--pull=never", "-t", image, buildCtx)

	// The image's VOLUME gives the state root a volume even when the run
	// names none; a state root on the container's overlay root instead
	// (another --root) is refused in one line before anything is made.
	out, _ := p.output("run", "--rm", "--privileged", "--network", p.network, image,
		"dockyard", "--root", "/srv/dockyard", "docker", "run", "--rm", "busybox", "true")
	if want := "mount a volume at /srv/dockyard"; !strings.Contains(out, want) {
		t.Errorf("docker run with the state root on the container's overlay root = %q, want %q", out, want)
	}

	// The volume, seeded with the baked images (the store and the bake's
	// record of what it made).
	volume := p.name
	p.run("volume", "create", volume)
	mountpoint := strings.TrimSpace(p.run("volume", "inspect", "--format", "{{.Mountpoint}}", volume))
	run(t, ctx, "", nil, "cp", "-a", filepath.Join(testRoot, "images"), mountpoint+"/")
	if err := os.MkdirAll(filepath.Join(mountpoint, "build-cache"), 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "", nil, "cp", "-a", filepath.Join(testRoot, "build-cache", "baked.json"), filepath.Join(mountpoint, "build-cache")+"/")

	runIn := []string{"run", "--rm", "--privileged", "--network", p.network, "-v", volume + ":/var/lib/dockyard", image}
	out = p.run(append(runIn, "dockyard", "images", "prepare")...)
	if strings.Contains(out, "baked in") || !strings.Contains(out, "up to date") {
		t.Errorf("images prepare in the container baked instead of finding the seeded images:\n%s", out)
	}
	out, err = p.output(append(runIn, "dockyard", "author", "test", "intro", "postgres")...)
	t.Logf("dockyard author test intro postgres, in the container:\n%s", out)
	if err != nil {
		t.Fatalf("dockyard author test intro postgres in a privileged podman container: %v", err)
	}

	t.Run("kube play", func(t *testing.T) {
		sub := *p
		sub.t = t
		kubePlay(t, &sub, image, volume)
	})
}

// kubePlay plays the classroom manifest's first pod with podman, as far as
// podman goes: it knows no StatefulSet, so the pod is rendered as the
// StatefulSet controller would make dockyard-0 (its claim template's
// volume named state-dockyard-0, here the seeded volume), with the test's
// image. The engine container must bake nothing (the images are on the
// volume) and keep running, and the collector must write the student's
// report.
func kubePlay(t *testing.T, p *podman, image, volume string) {
	b, err := os.ReadFile("classroom.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := decodeManifest(b)
	if err != nil || len(c.statefulSets) != 1 {
		t.Fatalf("classroom.yaml: %v", err)
	}
	pod, err := podOf(c.statefulSets[0], 0, image, map[string]string{"state": volume})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(file, pod, 0o644); err != nil {
		t.Fatal(err)
	}
	p.run("kube", "play", "--network", p.network, file)
	defer p.output("kube", "down", file)

	name := c.statefulSets[0].Name + "-0"
	deadline := time.Now().Add(3 * time.Minute)
	var report string
	for time.Now().Before(deadline) {
		report, err = p.output("exec", name+"-collector", "cat", "/reports/report.json")
		if err == nil && report != "" {
			break
		}
		time.Sleep(2 * time.Second)
	}
	logs, _ := p.output("logs", name+"-dockyard")
	collector, _ := p.output("exec", name+"-collector", "cat", "/reports/report.err")
	if !strings.Contains(report, `"status"`) {
		t.Fatalf("the collector wrote no report in 3 minutes: %q (its errors: %s; the engine's log: %s)", report, collector, logs)
	}
	state := strings.TrimSpace(p.run("inspect", "--format", "{{.State.Status}}", name+"-dockyard"))
	if state != "running" {
		t.Errorf("the dockyard container is %s, want running; its log:\n%s", state, logs)
	}
	if strings.Contains(logs, "baked in") {
		t.Errorf("the dockyard container baked the images the volume holds:\n%s", logs)
	}
}

// podOf renders the pod a StatefulSet's controller makes at ordinal i: the
// template's spec, named <set>-<i>, its claim templates as volumes of
// claims (claims maps a template's name to the claim to use).
func podOf(sts *appsv1.StatefulSet, i int, image string, claims map[string]string) ([]byte, error) {
	spec := *sts.Spec.Template.Spec.DeepCopy()
	for j := range spec.Containers {
		spec.Containers[j].Image = image
	}
	for _, pvc := range sts.Spec.VolumeClaimTemplates {
		claim, ok := claims[pvc.Name]
		if !ok {
			return nil, fmt.Errorf("no claim for the claim template %q", pvc.Name)
		}
		spec.Volumes = append(spec.Volumes, corev1.Volume{
			Name:         pvc.Name,
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}},
		})
	}
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", sts.Name, i), Labels: sts.Spec.Template.Labels},
		Spec:       spec,
	}
	return yaml.Marshal(pod)
}

// podman runs podman on storage of its own under the test's directory (so
// the host's images and containers are never touched), with runc and
// cgroupfs and no ulimits of its own (its defaults are refused where the
// host's hard limits are lower), and a network of its own: another
// podman's teardown of the default network removes that network's NAT.
type podman struct {
	t       *testing.T
	ctx     context.Context
	args    []string
	env     []string
	name    string
	network string
}

func newPodman(t *testing.T, ctx context.Context, work string) *podman {
	conf := filepath.Join(work, "containers.conf")
	err := os.WriteFile(conf, []byte(`[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
[network]
network_backend = "netavark"
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("dockyard-test-%d", os.Getpid())
	p := &podman{
		t:       t,
		ctx:     ctx,
		args:    []string{"--root", filepath.Join(work, "storage"), "--runroot", filepath.Join(work, "run"), "--storage-driver", "overlay"},
		env:     []string{"CONTAINERS_CONF=" + conf},
		name:    name,
		network: name,
	}
	p.run("network", "create", p.network)
	t.Cleanup(func() {
		// Not the test's context: it may be what ran out.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		for _, args := range [][]string{
			{"rm", "-af", "-t", "0"},
			{"volume", "rm", "-af"},
			{"network", "rm", "-f", p.network},
		} {
			cmd := exec.CommandContext(ctx, "podman", append(p.args, args...)...)
			cmd.Env = append(os.Environ(), p.env...)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Logf("cleanup: podman %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		// The overlay driver bind-mounts its own folder (private
		// propagation); the test's folder goes only once that is gone.
		storage := filepath.Join(work, "storage", "overlay")
		if err := syscall.Unmount(storage, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			t.Logf("cleanup: unmount %s: %v", storage, err)
		}
	})
	return p
}

// run runs podman and fails the test if it fails; it returns the output.
func (p *podman) run(args ...string) string {
	p.t.Helper()
	out, err := p.output(args...)
	if err != nil {
		p.t.Fatalf("podman %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// output runs podman and returns its stdout and stderr together.
func (p *podman) output(args ...string) (string, error) {
	cmd := exec.CommandContext(p.ctx, "podman", append(p.args, args...)...)
	cmd.Env = append(os.Environ(), p.env...)
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	return b.String(), err
}

func run(t *testing.T, ctx context.Context, dir string, env []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=1"), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
