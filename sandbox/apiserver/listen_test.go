package apiserver

import (
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestListen: the socket is 0660 and root's and the group's; a stale one
// is replaced, a live one, a file that is not a socket and a group that
// does not exist are refused with the fix in the message.
func TestListen(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: chowns the socket")
	}
	dir := t.TempDir()
	sock := filepath.Join(dir, "run", "docker.sock")
	g, err := user.LookupGroupId("1")
	if err != nil {
		t.Skip("no group 1 to own the socket")
	}
	l, err := Listen(ListenOptions{Path: sock, Group: g.Name})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Perm() != 0o660 || st.Uid != 0 || strconv.Itoa(int(st.Gid)) != g.Gid {
		t.Errorf("socket mode %v owner %d:%d, want 0660 root:%s", fi.Mode().Perm(), st.Uid, st.Gid, g.Gid)
	}
	if _, err := Listen(ListenOptions{Path: sock}); err == nil || !strings.Contains(err.Error(), "another server already listens") {
		t.Errorf("Listen on a live socket = %v, want a refusal", err)
	}
	// A server that died leaves its socket file: the next one replaces it.
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	l2, err := Listen(ListenOptions{Path: sock})
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	l2.Close()

	plain := filepath.Join(dir, "plain")
	os.WriteFile(plain, nil, 0o644)
	if _, err := Listen(ListenOptions{Path: plain}); err == nil || !strings.Contains(err.Error(), "is not a socket") {
		t.Errorf("Listen on a regular file = %v, want a refusal", err)
	}
	if _, err := Listen(ListenOptions{Path: filepath.Join(dir, "x.sock"), Group: "no-such-group-dy"}); err == nil || !strings.Contains(err.Error(), "groupadd no-such-group-dy") {
		t.Errorf("Listen with an unknown group = %v, want the fix named", err)
	}
}
