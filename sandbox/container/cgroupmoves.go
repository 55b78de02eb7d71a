package container

import (
	"os"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// Moving a process into a cgroup takes the kernel's global
// cgroup_threadgroup_rwsem for writing, and by default that write waits for
// an RCU grace period: on this lab's 2-core VMs 5-15 ms per container start,
// more under load, the largest single cost of `docker run` on a fresh
// machine (79 ms -> 41 ms median, docs/design.md). cgroup2's "favordynmods"
// mount option (Linux 6.0) makes such moves cheap at the price of slightly
// slower fork and exit, the trade a container host wants. It is one flag of
// the host's cgroup2 superblock, shared by every hierarchy's moves, and on
// Linux 6.17 and later it stays on until reboot once set. Docker's engine
// makes host-wide changes of the same kind (ip_forward) for its containers.
var favorCgroupMovesOnce sync.Once

// favorCgroupMoves turns on favordynmods on the host's cgroup2 mount, once
// per process. It does nothing when there is no cgroup2 mount, when the
// option is on already, or when the kernel refuses it (older than 6.0, or
// not in the host's namespaces): a container then starts the slower way.
func favorCgroupMoves() {
	favorCgroupMovesOnce.Do(func() {
		b, err := os.ReadFile("/proc/self/mountinfo")
		if err != nil {
			return
		}
		r, ok := cgroup2Remount(string(b))
		if !ok {
			return
		}
		_ = unix.Mount("cgroup2", r.target, "cgroup2", r.flags, r.data)
	})
}

// remount is one mount(2) call that changes a mounted filesystem's options.
type remount struct {
	target string
	flags  uintptr
	data   string
}

// cgroup2Remount finds the first cgroup2 mount in a mountinfo table and
// returns the remount that adds favordynmods to it, keeping the mount's own
// flags and the superblock's other options (a classic remount replaces
// both). ok is false when there is no cgroup2 mount or it has the option.
func cgroup2Remount(mountinfo string) (r remount, ok bool) {
	for _, line := range strings.Split(mountinfo, "\n") {
		// 36 25 0:31 / /sys/fs/cgroup/unified rw,nosuid,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
		pre, post, found := strings.Cut(line, " - ")
		if !found {
			continue
		}
		f, g := strings.Fields(pre), strings.Fields(post)
		if len(f) < 6 || len(g) < 3 || g[0] != "cgroup2" {
			continue
		}
		super := strings.Split(g[2], ",")
		if slices.Contains(super, "favordynmods") {
			return remount{}, false
		}
		flags := uintptr(unix.MS_REMOUNT)
		for _, o := range strings.Split(f[5], ",") {
			flags |= mountFlag[o]
		}
		data := []string{}
		for _, o := range super {
			if o != "rw" && o != "ro" {
				data = append(data, o)
			}
		}
		data = append(data, "favordynmods")
		return remount{target: unescapeMountinfo(f[4]), flags: flags, data: strings.Join(data, ",")}, true
	}
	return remount{}, false
}

// mountFlag maps mountinfo's per-mount options to mount(2) flags.
var mountFlag = map[string]uintptr{
	"ro":          unix.MS_RDONLY,
	"nosuid":      unix.MS_NOSUID,
	"nodev":       unix.MS_NODEV,
	"noexec":      unix.MS_NOEXEC,
	"noatime":     unix.MS_NOATIME,
	"nodiratime":  unix.MS_NODIRATIME,
	"relatime":    unix.MS_RELATIME,
	"strictatime": unix.MS_STRICTATIME,
}

// unescapeMountinfo undoes mountinfo's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, ok := octal(s[i+1 : i+4]); ok {
				b.WriteByte(n)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func octal(s string) (byte, bool) {
	if len(s) != 3 {
		return 0, false
	}
	var n int
	for _, c := range s {
		if c < '0' || c > '7' {
			return 0, false
		}
		n = n*8 + int(c-'0')
	}
	return byte(n), n < 256
}
