package checkertest

import (
	"context"
	"fmt"
	"testing"

	"github.com/dockyard-lab/dockyard/checker"
)

// BenchLessonCheck measures a whole step of 8 checks (image, container with
// ports/env/mount/network, containers, network, volume with a file, exec,
// http, tcp) on b's backend with every state settled; a lesson step should
// check in well under a second.
func BenchLessonCheck(b *testing.B, be Backend) {
	netName, vol, web := Unique("bn-net"), Unique("bn-vol"), Unique("bn-web")
	port := FreePort(b)
	be.CreateNetwork(b, netName, "10.89.78.0/24")
	be.CreateVolume(b, vol, map[string]string{"notes.txt": "hello volume\n"})
	be.Run(b, Container{Name: web, Cmd: HTTPD, Env: []string{"GREETING=hi"}, Network: netName,
		Publish: []Publish{{HostIP: "127.0.0.1", HostPort: port, ContainerPort: 80}},
		Mounts:  []checker.Mount{{Type: "volume", Source: vol, Destination: "/data"}}})
	srcs := []string{
		"image: " + be.Image() + "\nexposes: [80/tcp]",
		fmt.Sprintf("container: %s\nrunning: true\nport: 127.0.0.1:%d->80/tcp\nenv: [GREETING=hi]\nmount: {destination: /data, type: volume, source: %s}\nnetwork: %s", web, port, vol, netName),
		"containers: web\nimage: " + be.Image() + "\nstatus: running\nmin: 1",
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
	env := checker.Env{Engine: be.Engine(), Lang: "en"}
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
