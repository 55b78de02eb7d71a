package network

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Published ports are served by userland proxies in the container's
// monitor, as docker-proxy does, with no DNAT rules: one mechanism covers
// 127.0.0.1, the host's other addresses and other containers reaching the
// container through a host address. The listening socket is opened when the
// monitor asks for its services, so a bind failure stops the start.

// tcpProxy forwards every connection on l to target.
func tcpProxy(l net.Listener, target string) Service {
	return func(ctx context.Context) error {
		go func() { <-ctx.Done(); l.Close() }()
		var wg sync.WaitGroup
		defer wg.Wait()
		for {
			c, err := l.Accept()
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					continue
				}
				return fmt.Errorf("proxy %s: %w", l.Addr(), err)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				pipeTCP(ctx, c.(*net.TCPConn), target)
			}()
		}
	}
}

func pipeTCP(ctx context.Context, client *net.TCPConn, target string) {
	defer client.Close()
	d := net.Dialer{Timeout: 5 * time.Second}
	up, err := d.DialContext(ctx, "tcp4", target)
	if err != nil {
		return
	}
	server := up.(*net.TCPConn)
	defer server.Close()
	done := make(chan struct{}, 2)
	copyHalf := func(dst, src *net.TCPConn) {
		// A buffer of its own rather than io.Copy's splice: splice borrows
		// a pipe pair from a pool that only garbage collections empty,
		// and an idle monitor rarely collects, so a burst of 500
		// connections left 500 pipe descriptors open in it.
		buf := make([]byte, 32*1024)
		io.CopyBuffer(onlyWriter{dst}, onlyReader{src}, buf)
		dst.CloseWrite()
		done <- struct{}{}
	}
	go copyHalf(server, client)
	go copyHalf(client, server)
	select {
	case <-done:
		<-done
	case <-ctx.Done():
	}
}

// onlyReader and onlyWriter hide a connection's ReadFrom and WriteTo, so
// that io.CopyBuffer uses the buffer it is given.
type onlyReader struct{ io.Reader }
type onlyWriter struct{ io.Writer }

// udpProxy forwards datagrams on pc to target, one upstream socket per
// client address, idle ones closed after a minute.
func udpProxy(pc net.PacketConn, target string) Service {
	return func(ctx context.Context) error {
		go func() { <-ctx.Done(); pc.Close() }()
		raddr, err := net.ResolveUDPAddr("udp4", target)
		if err != nil {
			return err
		}
		var mu sync.Mutex
		flows := map[string]*net.UDPConn{}
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return fmt.Errorf("proxy %s: %w", pc.LocalAddr(), err)
			}
			mu.Lock()
			up, ok := flows[from.String()]
			if !ok {
				up, err = net.DialUDP("udp4", nil, raddr)
				if err != nil {
					mu.Unlock()
					continue
				}
				flows[from.String()] = up
				go func(from net.Addr, up *net.UDPConn) {
					b := make([]byte, 65535)
					for {
						up.SetReadDeadline(time.Now().Add(time.Minute))
						n, err := up.Read(b)
						if err != nil {
							break
						}
						pc.WriteTo(b[:n], from)
					}
					mu.Lock()
					delete(flows, from.String())
					mu.Unlock()
					up.Close()
				}(from, up)
			}
			mu.Unlock()
			up.Write(buf[:n])
		}
	}
}

// proxyFor opens the host socket of b and returns the service forwarding
// it to the container address ip.
func proxyFor(b PortBinding, ip netip.Addr) (Service, error) {
	target := net.JoinHostPort(ip.String(), strconv.Itoa(int(b.ContainerPort)))
	if b.Proto == "udp" {
		pc, err := net.ListenPacket("udp4", b.HostAddr())
		if err != nil {
			return nil, &PortConflictError{Binding: b, Err: err}
		}
		return udpProxy(pc, target), nil
	}
	l, err := net.Listen("tcp4", b.HostAddr())
	if err != nil {
		return nil, &PortConflictError{Binding: b, Err: err}
	}
	return tcpProxy(l, target), nil
}
