package checker_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/checker"
	"github.com/dockyard-lab/dockyard/checker/fake"
)

// prefixEngine looks containers up by any unique id prefix, as Docker and
// Dockyard do for `docker inspect 3f2a`.
type prefixEngine struct{ *fake.Engine }

func (e prefixEngine) Container(ctx context.Context, name string) (*checker.Container, error) {
	if c, err := e.Engine.Container(ctx, name); err == nil {
		return c, nil
	}
	all, err := e.Engine.Containers(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range all {
		if strings.HasPrefix(c.ID, name) {
			return &c, nil
		}
	}
	return e.Engine.Container(ctx, name)
}

// A host name in a check run from a container resolves as Docker's DNS
// does: a container's name or a service alias on a shared network, never
// an id that happens to start with the same letters (course runs left a
// container with id db5c... behind and "db" named it).
func TestHostNameIsNotAnIDPrefix(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())

	e := &fake.Engine{}
	e.AddContainer(checker.Container{ID: "db5c0ffee000111122223333", Name: "greeter-hola", Status: "exited"})
	e.AddContainer(checker.Container{ID: "aaaa", Name: "shipyard-web-1", Status: "running",
		Networks: []checker.Endpoint{{Network: "shipyard_default", IP: "172.31.0.3", Aliases: []string{"web"}}}})
	e.AddContainer(checker.Container{ID: "bbbb", Name: "shipyard-db-1", Status: "running",
		Networks: []checker.Endpoint{{Network: "shipyard_default", IP: "127.0.0.1", Aliases: []string{"db"}}}})

	checks := checker.ParseAll([]checker.Block{{Source: "tcp: db:" + port + "\nfrom: shipyard-web-1", File: "lesson.en.md", Line: 1}})
	r := checker.Evaluate(context.Background(), checker.Env{Engine: prefixEngine{e}, Lang: "en", NoRetry: true}, checks)
	if got := r.Tests[0]; got.Status != checker.Pass {
		t.Errorf("tcp db:%s from web = %v %q, want a pass through the alias db", port, got.Status, got.Message)
	}
}
