package container

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestCgroup2RemountAddsFavordynmodsAndKeepsTheRest(t *testing.T) {
	// A hybrid host (this lab's VMs): cgroup v1 hierarchies and cgroup2 on
	// /sys/fs/cgroup/unified, with a superblock option to keep.
	mountinfo := `25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
35 25 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755
36 35 0:31 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
37 35 0:32 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,memory
`
	r, ok := cgroup2Remount(mountinfo)
	if !ok {
		t.Fatal("no remount for a cgroup2 mount without favordynmods")
	}
	want := remount{
		target: "/sys/fs/cgroup/unified",
		flags:  unix.MS_REMOUNT | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RELATIME,
		data:   "nsdelegate,favordynmods",
	}
	if r != want {
		t.Errorf("remount = %+v, want %+v", r, want)
	}
}

func TestCgroup2RemountLeavesAloneWhatNeedsNothing(t *testing.T) {
	for name, mountinfo := range map[string]string{
		"option on already": "36 35 0:31 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate,favordynmods\n",
		"cgroup v1 only":    "37 35 0:32 / /sys/fs/cgroup/memory rw,nosuid shared:10 - cgroup cgroup rw,memory\n",
		"empty":             "",
	} {
		if r, ok := cgroup2Remount(mountinfo); ok {
			t.Errorf("%s: remount %+v, want none", name, r)
		}
	}
}

func TestUnescapeMountinfo(t *testing.T) {
	for in, want := range map[string]string{
		`/sys/fs/cgroup`:      "/sys/fs/cgroup",
		`/mnt/my\040cgroup`:   "/mnt/my cgroup",
		`/trailing\04`:        `/trailing\04`,
		`/back\134slash\011x`: "/back\\slash\tx",
	} {
		if got := unescapeMountinfo(in); got != want {
			t.Errorf("unescapeMountinfo(%q) = %q, want %q", in, got, want)
		}
	}
}
