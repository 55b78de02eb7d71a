package checker

import (
	"context"
	"fmt"
	"net"
	"runtime"

	"github.com/vishvananda/netns"
)

// DialInNetNS connects to addr from inside the network namespace at nsPath
// (e.g. /proc/<pid>/ns/net). The socket is created on a thread moved into
// that namespace and keeps it after the thread moves back, so the returned
// connection works from any goroutine. Engines use it for Engine.Dial.
func DialInNetNS(ctx context.Context, nsPath, network, addr string) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		// The thread is never unlocked when switching back fails, so the
		// runtime discards it instead of reusing a thread in the wrong netns.
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			ch <- result{err: fmt.Errorf("current network namespace: %w", err)}
			runtime.UnlockOSThread()
			return
		}
		defer orig.Close()
		target, err := netns.GetFromPath(nsPath)
		if err != nil {
			ch <- result{err: fmt.Errorf("open network namespace %s: %w", nsPath, err)}
			runtime.UnlockOSThread()
			return
		}
		defer target.Close()
		if err := netns.Set(target); err != nil {
			ch <- result{err: fmt.Errorf("enter network namespace %s: %w", nsPath, err)}
			runtime.UnlockOSThread()
			return
		}
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, addr)
		if netns.Set(orig) == nil {
			runtime.UnlockOSThread()
		}
		ch <- result{conn, err}
	}()
	r := <-ch
	return r.conn, r.err
}
