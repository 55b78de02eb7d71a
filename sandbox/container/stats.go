package container

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/runc/libcontainer"
)

// Sample is one reading of a running container's resource use, what
// `docker stats` shows.
type Sample struct {
	Time       time.Time
	CPUNanos   uint64 // CPU time used so far
	Memory     uint64 // bytes in use (without page cache, as Docker)
	MemLimit   uint64 // bytes; the host's memory when unlimited
	NetRx      uint64
	NetTx      uint64
	BlockRead  uint64
	BlockWrite uint64
	Pids       uint64
}

// Stats reads a running container's cgroup counters and network bytes.
func (s *Store) Stats(ref string) (*Sample, error) {
	c, err := s.Get(ref)
	if err != nil {
		return nil, err
	}
	if c.State.Status != Running {
		return nil, &NotRunningError{ID: c.ID}
	}
	lc, err := libcontainer.Load(s.runtimeRoot(c.ID), c.ID)
	if err != nil {
		return nil, &NotRunningError{ID: c.ID}
	}
	st, err := lc.Stats()
	if err != nil {
		return nil, err
	}
	out := &Sample{Time: time.Now()}
	if cg := st.CgroupStats; cg != nil {
		out.CPUNanos = cg.CpuStats.CpuUsage.TotalUsage
		m := cg.MemoryStats
		out.Memory = m.Usage.Usage
		if cache, ok := m.Stats["total_inactive_file"]; ok && cache < out.Memory {
			out.Memory -= cache
		} else if cache, ok := m.Stats["inactive_file"]; ok && cache < out.Memory {
			out.Memory -= cache
		}
		out.MemLimit = m.Usage.Limit
		out.Pids = cg.PidsStats.Current
		for _, e := range cg.BlkioStats.IoServiceBytesRecursive {
			switch strings.ToLower(e.Op) {
			case "read":
				out.BlockRead += e.Value
			case "write":
				out.BlockWrite += e.Value
			}
		}
	}
	if host := hostMemory(); host > 0 && (out.MemLimit == 0 || out.MemLimit > host) {
		out.MemLimit = host
	}
	out.NetRx, out.NetTx = netBytes(c.State.Pid)
	return out, nil
}

// hostMemory is MemTotal from /proc/meminfo, in bytes.
func hostMemory() uint64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, _ := strconv.ParseUint(fields[1], 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// netBytes sums received and sent bytes of the interfaces (but lo) in the
// network namespace of process pid.
func netBytes(pid int) (rx, tx uint64) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/net/dev")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || strings.TrimSpace(name) == "lo" {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) < 9 {
			continue
		}
		r, _ := strconv.ParseUint(fields[0], 10, 64)
		t, _ := strconv.ParseUint(fields[8], 10, 64)
		rx += r
		tx += t
	}
	return rx, tx
}
