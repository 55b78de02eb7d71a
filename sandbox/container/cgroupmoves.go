package container

import (
	"slices"
	"strings"
	"sync"

	"github.com/moby/sys/mountinfo"
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
		mounts, err := mountinfo.GetMounts(mountinfo.FSTypeFilter("cgroup2"))
		if err != nil {
			return
		}
		if r, ok := cgroup2Remount(mounts); ok {
			_ = unix.Mount("cgroup2", r.target, "cgroup2", r.flags, r.data)
		}
	})
}

// remount is one mount(2) call that changes a mounted filesystem's options.
type remount struct {
	target string
	flags  uintptr
	data   string
}

// cgroup2Remount returns the remount that adds favordynmods to the first
// cgroup2 mount, keeping the mount's own flags and the superblock's other
// options (a classic remount replaces both). ok is false when there is no
// cgroup2 mount or it has the option.
func cgroup2Remount(mounts []*mountinfo.Info) (r remount, ok bool) {
	for _, m := range mounts {
		if m.FSType != "cgroup2" {
			continue
		}
		super := strings.Split(m.VFSOptions, ",")
		if slices.Contains(super, "favordynmods") {
			return remount{}, false
		}
		flags := uintptr(unix.MS_REMOUNT)
		for _, o := range strings.Split(m.Options, ",") {
			flags |= mountFlag[o]
		}
		data := []string{}
		for _, o := range super {
			if o != "rw" && o != "ro" && o != "" {
				data = append(data, o)
			}
		}
		data = append(data, "favordynmods")
		return remount{target: m.Mountpoint, flags: flags, data: strings.Join(data, ",")}, true
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
