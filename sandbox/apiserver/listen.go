package apiserver

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"time"
)

// ListenOptions say where and for whom the socket is.
type ListenOptions struct {
	// Path of the unix socket, e.g. /run/dockyard/docker.sock.
	Path string
	// Group owns the socket (mode 0660): its members may use the API,
	// which makes them root-equivalent. "" leaves it to root alone.
	Group string
}

// Listen opens the API's unix socket: mode 0660, owned by root and
// opts.Group. A socket left by a server that died is replaced; one a live
// server answers on is not.
func Listen(opts ListenOptions) (net.Listener, error) {
	gid := 0
	if opts.Group != "" {
		g, err := user.LookupGroup(opts.Group)
		if err != nil {
			return nil, fmt.Errorf("group %q does not exist: create it (groupadd %s) or choose another with --group", opts.Group, opts.Group)
		}
		if gid, err = strconv.Atoi(g.Gid); err != nil {
			return nil, fmt.Errorf("group %q: %w", opts.Group, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(opts.Path), 0o755); err != nil {
		return nil, fmt.Errorf("socket directory: %w", err)
	}
	if fi, err := os.Lstat(opts.Path); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return nil, fmt.Errorf("%s exists and is not a socket: remove it or choose another --socket", opts.Path)
		}
		if c, err := net.DialTimeout("unix", opts.Path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("another server already listens on %s: stop it or choose another --socket", opts.Path)
		}
		if err := os.Remove(opts.Path); err != nil {
			return nil, fmt.Errorf("remove stale socket: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("socket %s: %w", opts.Path, err)
	}
	l, err := net.Listen("unix", opts.Path)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", opts.Path, err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(true)
	if err := os.Chown(opts.Path, 0, gid); err != nil {
		l.Close()
		return nil, fmt.Errorf("socket owner: %w", err)
	}
	if err := os.Chmod(opts.Path, 0o660); err != nil {
		l.Close()
		return nil, fmt.Errorf("socket mode: %w", err)
	}
	return l, nil
}
