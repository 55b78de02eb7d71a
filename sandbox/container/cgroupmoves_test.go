package container

import (
	"testing"

	"github.com/moby/sys/mountinfo"
	"golang.org/x/sys/unix"
)

func TestCgroup2RemountAddsFavordynmodsAndKeepsTheRest(t *testing.T) {
	// A hybrid host (this lab's VMs): cgroup v1 hierarchies and cgroup2 on
	// /sys/fs/cgroup/unified, with a superblock option to keep.
	mounts := []*mountinfo.Info{
		{Mountpoint: "/sys/fs/cgroup/memory", FSType: "cgroup", Options: "rw,nosuid", VFSOptions: "rw,memory"},
		{Mountpoint: "/sys/fs/cgroup/unified", FSType: "cgroup2", Options: "rw,nosuid,nodev,noexec,relatime", VFSOptions: "rw,nsdelegate"},
	}
	r, ok := cgroup2Remount(mounts)
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
	for name, mounts := range map[string][]*mountinfo.Info{
		"option on already": {{Mountpoint: "/sys/fs/cgroup", FSType: "cgroup2", Options: "rw", VFSOptions: "rw,nsdelegate,favordynmods"}},
		"cgroup v1 only":    {{Mountpoint: "/sys/fs/cgroup/memory", FSType: "cgroup", Options: "rw", VFSOptions: "rw,memory"}},
		"no mounts":         nil,
	} {
		if r, ok := cgroup2Remount(mounts); ok {
			t.Errorf("%s: remount %+v, want none", name, r)
		}
	}
}
