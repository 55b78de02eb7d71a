package container

import (
	"bytes"
	"os"
	"strconv"
	"strings"

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
		comm, f, ok := splitStat(b)
		if !ok || len(f) < 2 || f[0] != "Z" || f[1] != strconv.Itoa(self) || !strings.HasPrefix(comm, "runc:[") {
			continue
		}
		if got, err := unix.Wait4(pid, nil, unix.WNOHANG, nil); err == nil && got == pid {
			reaped++
		}
	}
	return reaped
}

// splitStat cuts a process's /proc/PID/stat, "pid (comm) state ppid ...",
// into its name and the fields after it (fields[0] is the state, field 3
// of proc(5)); comm may itself hold spaces and parentheses.
func splitStat(b []byte) (comm string, fields []string, ok bool) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", nil, false
	}
	return string(b[open+1 : end]), strings.Fields(string(b[end+1:])), true
}
