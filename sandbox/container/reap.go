package container

import (
	"bytes"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// reapFailedExecs reaps the zombie children a failed exec left behind.
// libcontainer's nsexec clones its stages with CLONE_PARENT, so they are
// the monitor's children, and when an exec fails part way (as one into a
// container whose init is exiting does) it does not wait for all of them.
// A zombie left in the container's PID namespace keeps that namespace's
// init from finishing its exit, and the monitor, waiting for that init,
// would wait forever (docker stop hung on a container with a health check).
// Only zombies still named as one of runc's stages are reaped, never keep
// (the container's init, which the monitor waits for itself; 0 for none).
func reapFailedExecs(keep int) int {
	self := os.Getpid()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	reaped := 0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == keep || pid == self {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		comm, state, ppid, ok := parseStat(b)
		if !ok || ppid != self || state != 'Z' || !bytes.HasPrefix(comm, []byte("runc:[")) {
			continue
		}
		if got, err := unix.Wait4(pid, nil, unix.WNOHANG, nil); err == nil && got == pid {
			reaped++
		}
	}
	return reaped
}

// parseStat reads a process's name, state and parent from its
// /proc/PID/stat: "pid (comm) state ppid ...", where comm may itself hold
// spaces and parentheses.
func parseStat(b []byte) (comm []byte, state byte, ppid int, ok bool) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return nil, 0, 0, false
	}
	fields := bytes.Fields(b[end+1:])
	if len(fields) < 2 || len(fields[0]) != 1 {
		return nil, 0, 0, false
	}
	ppid, err := strconv.Atoi(string(fields[1]))
	if err != nil {
		return nil, 0, 0, false
	}
	return b[open+1 : end], fields[0][0], ppid, true
}

// holdForRemoval locks container id's directory while its monitor removes
// it after its record (a --rm container's end): BeingRemoved reads the
// lock, so a check of the state root in between does not take the
// directory for one a crash left. The lock dies with the monitor.
func (s *Store) holdForRemoval(id string) (release func()) {
	fd, err := unix.Open(s.Dir(id), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return func() {}
	}
	_ = unix.Flock(fd, unix.LOCK_EX)
	return func() { _ = unix.Close(fd) }
}

// BeingRemoved reports whether container id's directory is being removed
// by its live monitor (holdForRemoval).
func (s *Store) BeingRemoved(id string) bool {
	fd, err := unix.Open(s.Dir(id), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB) == unix.EWOULDBLOCK
}
