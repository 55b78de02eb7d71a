package network

import (
	"context"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// A burst of short connections through a published port leaves no
// descriptors behind in the monitor that proxies them.
func TestTCPProxyLeavesNoDescriptorsBehind(t *testing.T) {
	server, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	go func() {
		for {
			c, err := server.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				// Echo until the client closes, without splice (whose
				// pooled pipes this test would count).
				io.CopyBuffer(onlyWriter{c}, onlyReader{c}, make([]byte, 512))
			}()
		}
	}()
	front, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- tcpProxy(front, server.Addr().String())(ctx) }()
	defer func() { cancel(); <-stopped }()

	roundTrip := func() {
		c, err := net.Dial("tcp4", front.Addr().String())
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close()
		if _, err := c.Write([]byte("ping")); err != nil {
			t.Error(err)
			return
		}
		c.(*net.TCPConn).CloseWrite()
		if b, err := io.ReadAll(c); err != nil || string(b) != "ping" {
			t.Errorf("echo through the proxy = %q, %v; want ping", b, err)
		}
	}
	roundTrip() // the first connection's lazily made runtime descriptors
	before := openFDs(t)
	// 100 clients at once, as a browser or a load test makes them.
	var wg sync.WaitGroup
	for range 100 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			roundTrip()
		}()
	}
	wg.Wait()
	// The proxy and the echo server close their sockets just after the
	// client sees the end: give them a moment.
	deadline := time.Now().Add(3 * time.Second)
	after := openFDs(t)
	for after > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		after = openFDs(t)
	}
	if after > before+2 {
		t.Errorf("open descriptors grew from %d to %d over 100 concurrent proxied connections", before, after)
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}
