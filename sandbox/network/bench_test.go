package network

import (
	"context"
	"os"
	"testing"
)

// BenchmarkAttachDetach is the networking share of `docker run --rm` on the
// default bridge: namespace, veth, address, route, resolver files, the DNS
// responder's sockets, then teardown.
func BenchmarkAttachDetach(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root")
	}
	s, err := Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Teardown(context.Background())
	ctx := context.Background()
	if _, err := s.List(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		id := randomID()
		if _, err := s.Attach(ctx, AttachRequest{Container: id, Name: "c" + id[:8]}); err != nil {
			b.Fatal(err)
		}
		svcs, err := s.Services(id)
		if err != nil {
			b.Fatal(err)
		}
		cctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		for _, svc := range svcs {
			go func() { svc(cctx); done <- struct{}{} }()
		}
		cancel()
		for range svcs {
			<-done
		}
		if err := s.Detach(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
}
