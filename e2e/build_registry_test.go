package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDockerBuild builds a small image through the docker symlink: RUN in
// a real container, COPY from the context, a cached rebuild, a failing RUN.
func TestDockerBuild(t *testing.T) {
	needs(t)
	mustSh(t, "dockyard images prepare busybox")
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Dockerfile", "FROM busybox\nARG WHO=world\nCOPY hello.txt /hello.txt\nRUN echo \"hello $WHO\" >> /hello.txt && id -u nobody\nCMD [\"cat\", \"/hello.txt\"]\n")
	write("hello.txt", "from the context\n")
	tag := "dockyard-e2e-build:1"
	t.Cleanup(func() { sh(t, "docker rmi -f "+tag) })

	// --no-cache: the shared root keeps the build cache of earlier runs.
	_, progress, code := sh(t, "docker build --no-cache --build-arg WHO=student -t "+tag+" "+dir)
	if code != 0 {
		t.Fatalf("docker build: exit %d\n%s", code, progress)
	}
	for _, want := range []string{"#1 [internal] load build definition from Dockerfile", "[1/3] FROM docker.io/library/busybox:latest", "[3/3] RUN echo", "65534", "naming to docker.io/library/" + tag + " done"} {
		if !strings.Contains(progress, want) {
			t.Errorf("build output lacks %q:\n%s", want, progress)
		}
	}
	if out := mustSh(t, "docker run --rm "+tag); out != "from the context\nhello student\n" {
		t.Errorf("docker run %s = %q, want the copied file and the RUN's line", tag, out)
	}

	_, progress, code = sh(t, "docker build --build-arg WHO=student -t "+tag+" "+dir)
	if code != 0 || strings.Count(progress, "CACHED") != 2 {
		t.Errorf("rebuild: exit %d, want COPY and RUN CACHED:\n%s", code, progress)
	}

	write("Dockerfile", "FROM busybox\nRUN echo about to fail; exit 7\n")
	_, progress, code = sh(t, "docker build -t dockyard-e2e-build:broken "+dir)
	if code != 1 {
		t.Errorf("failing build exit = %d, want 1", code)
	}
	if !regexp.MustCompile(`ERROR: failed to solve: process "/bin/sh -c echo about to fail; exit 7" did not complete successfully: exit code: 7`).MatchString(progress) ||
		!strings.Contains(progress, "about to fail") {
		t.Errorf("failing build output lacks the exit code or the step's output:\n%s", progress)
	}
}

// TestRegistryLesson is the registry lesson's hands-on: start a local
// registry, tag, push, remove the local tag, pull it back, stop.
func TestRegistryLesson(t *testing.T) {
	needs(t)
	mustSh(t, "dockyard images prepare busybox")
	sh(t, "dockyard registry stop")
	t.Cleanup(func() {
		sh(t, "dockyard registry stop")
		sh(t, "docker rmi -f localhost:5000/busybox:lesson")
	})
	mustSh(t, "dockyard registry start")
	mustSh(t, "docker tag busybox localhost:5000/busybox:lesson")
	out := mustSh(t, "docker push localhost:5000/busybox:lesson")
	if !strings.Contains(out, "The push refers to repository [localhost:5000/busybox]") || !regexp.MustCompile(`lesson: digest: sha256:[0-9a-f]{64} size: \d+`).MatchString(out) {
		t.Errorf("docker push output = %q, want Docker's lines", out)
	}
	mustSh(t, "docker rmi localhost:5000/busybox:lesson")
	mustSh(t, "docker pull localhost:5000/busybox:lesson")
	if out := mustSh(t, "docker run --rm localhost:5000/busybox:lesson echo pulled back"); out != "pulled back\n" {
		t.Errorf("run of the pulled image = %q", out)
	}
	_, errOut, code := sh(t, "docker push busybox")
	if code == 0 || !strings.Contains(errOut, "dockyard registry start") {
		t.Errorf("push to Docker Hub: exit %d, stderr %q; want a refusal naming the local registry", code, errOut)
	}
}
