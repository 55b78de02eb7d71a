package network

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// newNetNSFile creates the file a namespace is bind-mounted on
// (mountNetNS).
func newNetNSFile(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_RDONLY, 0o444)
	if err != nil {
		return fmt.Errorf("create netns file: %w", err)
	}
	return f.Close()
}

// mountNetNS creates a network namespace and keeps it alive by
// bind-mounting it on path, a file newNetNSFile made (as `ip netns add`
// and CNI do), with loopback up; on failure the file is removed. The work
// happens on a locked OS thread that goes back to its own namespace
// afterwards, so no other goroutine ever runs in the new one. Going back
// matters: a thread left there is thrown away when the goroutine ends,
// except the process's main thread, which Go keeps (wedged) instead, and
// then /proc/self/ns/net names the container's namespace: runc takes the
// container's namespace for the host's and refuses its net.* sysctls.
func mountNetNS(path string) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("current netns: %w", err)
			return
		}
		defer orig.Close()
		errc <- func() error {
			if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
				return fmt.Errorf("unshare netns: %w", err)
			}
			// Back home on every return; if that fails, the thread
			// stays locked and Go ends it with the goroutine.
			defer func() {
				if netns.Set(orig) == nil {
					runtime.UnlockOSThread()
				}
			}()
			src := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
			if err := unix.Mount(src, path, "none", unix.MS_BIND, ""); err != nil {
				return fmt.Errorf("bind-mount netns on %s: %w", path, err)
			}
			lo, err := netlink.LinkByName("lo")
			if err == nil {
				err = netlink.LinkSetUp(lo)
			}
			if err != nil {
				return fmt.Errorf("loopback up: %w", err)
			}
			return nil
		}()
	}()
	if err := <-errc; err != nil {
		removeNetNS(path)
		return err
	}
	return nil
}

// removeNetNS unmounts and removes a netns file; the namespace, and the
// container ends of its veth pairs, go when nothing else holds it.
func removeNetNS(path string) error {
	if path == "" {
		return nil
	}
	err := unix.Unmount(path, unix.MNT_DETACH)
	if err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount netns %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove netns %s: %w", path, err)
	}
	return nil
}

// handleAt opens a netlink handle working inside the namespace at path.
func handleAt(path string) (*netlink.Handle, netns.NsHandle, error) {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return nil, 0, fmt.Errorf("open netns %s: %w", path, err)
	}
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		ns.Close()
		return nil, 0, fmt.Errorf("netlink in %s: %w", path, err)
	}
	return h, ns, nil
}

// InNetNS runs fn on a locked OS thread that has joined the namespace at
// path. Sockets fn opens stay in that namespace after fn returns, which is
// how the DNS responder listens on 127.0.0.11 inside a container while its
// process lives in the host's namespace.
func InNetNS(path string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := netns.Get()
		if err != nil {
			errc <- fmt.Errorf("current netns: %w", err)
			return
		}
		defer orig.Close()
		target, err := netns.GetFromPath(path)
		if err != nil {
			errc <- fmt.Errorf("open netns %s: %w", path, err)
			return
		}
		defer target.Close()
		if err := netns.Set(target); err != nil {
			errc <- fmt.Errorf("join netns %s: %w", path, err)
			return
		}
		ferr := fn()
		if err := netns.Set(orig); err == nil {
			// Back home: the thread may be reused. If the switch back
			// failed, the thread stays locked and dies with the goroutine.
			runtime.UnlockOSThread()
		}
		errc <- ferr
	}()
	return <-errc
}
