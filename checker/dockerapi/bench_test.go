package dockerapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/checkertest"
)

// BenchmarkLessonCheck evaluates a whole step of 8 checks (image, container
// with ports/env/mount/network, containers, network, volume with a file,
// exec, http, tcp) against podman's compat API with every state settled.
// The lesson loop's budget for this is 1 s.
func BenchmarkLessonCheck(b *testing.B) {
	p := checkertest.StartPodman(b)
	netName, vol, web := checkertest.Unique("bn-net"), checkertest.Unique("bn-vol"), checkertest.Unique("bn-web")
	port := checkertest.FreePort(b)
	p.CreateNetwork(b, netName, "10.89.78.0/24")
	p.CreateVolume(b, vol, map[string]string{"notes.txt": "hello volume\n"})
	p.Run(b, checkertest.Container{Name: web, Cmd: checkertest.HTTPD, Env: []string{"GREETING=hi"}, Network: netName,
		Publish: []checkertest.Publish{{HostIP: "127.0.0.1", HostPort: port, ContainerPort: 80}},
		Mounts:  []checker.Mount{{Type: "volume", Source: vol, Destination: "/data"}}})
	srcs := []string{
		"image: " + checkertest.TestImage + "\nexposes: [80/tcp]",
		fmt.Sprintf("container: %s\nrunning: true\nport: 127.0.0.1:%d->80/tcp\nenv: [GREETING=hi]\nmount: {destination: /data, type: volume, source: %s}\nnetwork: %s", web, port, vol, netName),
		"containers: web\nimage: " + checkertest.TestImage + "\nstatus: running\nmin: 1",
		fmt.Sprintf("network: %s\nsubnet: 10.89.78.0/24\ncontainers: [%s]", netName, web),
		fmt.Sprintf("volume: %s\ncontainers: [%s]\nfile: {path: notes.txt, contains: hello}", vol, web),
		fmt.Sprintf("exec: %s\ncommand: cat /www/index.html\nstdout_contains: hello", web),
		fmt.Sprintf("http: http://127.0.0.1:%d/\nbody_contains: hello", port),
		fmt.Sprintf("tcp: 127.0.0.1:%d", port),
	}
	var blocks []checker.Block
	for _, s := range srcs {
		blocks = append(blocks, checker.Block{Source: s, File: "bench.md"})
	}
	checks := checker.ParseAll(blocks)
	env := checker.Env{Engine: p.Engine(), Lang: "en"}
	ctx := context.Background()
	if rep := checker.Evaluate(ctx, env, checks); rep.Status != checker.Pass {
		b.Fatalf("step does not pass: %+v", rep.Tests)
	}
	b.ResetTimer()
	for b.Loop() {
		if rep := checker.Evaluate(ctx, env, checks); rep.Status != checker.Pass {
			b.Fatalf("step does not pass: %+v", rep)
		}
	}
}
