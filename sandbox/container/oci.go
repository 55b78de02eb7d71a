package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/profiles/seccomp"
	"github.com/moby/sys/capability"
	"github.com/moby/sys/user"
	"github.com/opencontainers/runc/libcontainer/configs"
	"github.com/opencontainers/runc/libcontainer/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// DefaultCapabilities is Docker's default capability set
// (moby/moby oci/caps/defaults.go).
var DefaultCapabilities = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
	"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// maskedPaths and readonlyPaths are Docker's (moby/moby oci/defaults.go).
var (
	maskedPaths = []string{
		"/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
		"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
		"/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
	}
	readonlyPaths = []string{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}
)

const defaultPath = DefaultPathEnv

// DefaultPathEnv is the PATH Docker gives a container whose image and
// options set none.
const DefaultPathEnv = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Capabilities applies --cap-add and --cap-drop to Docker's default set.
// Names may omit the CAP_ prefix and use any case; "ALL" means every
// capability. Unknown names are an error naming them.
func Capabilities(add, drop []string) ([]string, error) {
	known := map[string]bool{}
	var all []string
	for _, c := range capability.ListKnown() {
		n := "CAP_" + strings.ToUpper(c.String())
		known[n] = true
		all = append(all, n)
	}
	norm := func(list []string) ([]string, bool, error) {
		var out []string
		hasAll := false
		for _, c := range list {
			c = strings.ToUpper(strings.TrimSpace(c))
			if c == "ALL" {
				hasAll = true
				continue
			}
			if !strings.HasPrefix(c, "CAP_") {
				c = "CAP_" + c
			}
			if !known[c] {
				return nil, false, fmt.Errorf("invalid capability %q: see capabilities(7) for the names", strings.TrimPrefix(c, "CAP_"))
			}
			out = append(out, c)
		}
		return out, hasAll, nil
	}
	addList, addAll, err := norm(add)
	if err != nil {
		return nil, err
	}
	dropList, dropAll, err := norm(drop)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	base := DefaultCapabilities
	if dropAll {
		base = nil
	}
	if addAll {
		base = all
	}
	for _, c := range base {
		set[c] = true
	}
	for _, c := range dropList {
		delete(set, c)
	}
	for _, c := range addList {
		set[c] = true
	}
	var out []string
	for _, c := range all {
		if set[c] {
			out = append(out, c)
		}
	}
	return out, nil
}

// execUser resolves a Docker --user value ("name", "uid", "uid:gid",
// "name:group") against the container's /etc/passwd and /etc/group.
func execUser(rootfs, spec string) (*user.ExecUser, error) {
	passwd, err := securejoin.SecureJoin(rootfs, "/etc/passwd")
	if err != nil {
		return nil, err
	}
	group, err := securejoin.SecureJoin(rootfs, "/etc/group")
	if err != nil {
		return nil, err
	}
	// Its errors name the user or group already, as Docker shows them:
	// "unable to find user bob: no matching entries in passwd file".
	return user.GetExecUserPath(spec, &user.ExecUser{Uid: 0, Gid: 0, Home: "/"}, passwd, group)
}

// processEnv is the environment the container's processes see: the
// container's, plus PATH, HOSTNAME, HOME and TERM when missing, as Docker
// adds them.
func processEnv(env []string, hostname, home string, tty bool) []string {
	has := map[string]bool{}
	for _, e := range env {
		k, _, _ := strings.Cut(e, "=")
		has[k] = true
	}
	out := append([]string{}, env...)
	if !has["PATH"] {
		out = append([]string{defaultPath}, out...)
	}
	if !has["HOSTNAME"] && hostname != "" {
		out = append(out, "HOSTNAME="+hostname)
	}
	if tty && !has["TERM"] {
		out = append(out, "TERM=xterm")
	}
	if !has["HOME"] {
		if home == "" {
			home = "/"
		}
		out = append(out, "HOME="+home)
	}
	return out
}

// ociSpec builds the OCI runtime spec of a container with Docker's
// defaults, for a root filesystem already mounted at rootfs.
func (s *Store) ociSpec(c *Container, rootfs, netns string) (*specs.Spec, error) {
	cfg := c.Spec.Config
	host := c.Spec.Host
	u, err := execUser(rootfs, cfg.User)
	if err != nil {
		return nil, err
	}
	caps, err := Capabilities(host.CapAdd, host.CapDrop)
	if err != nil {
		return nil, err
	}
	cwd := cfg.WorkingDir
	if cwd == "" {
		cwd = "/"
	}
	// Docker creates a missing working directory.
	if dir, err := securejoin.SecureJoin(rootfs, cwd); err == nil {
		if _, err := os.Stat(dir); os.IsNotExist(err) && !host.ReadOnly {
			_ = os.MkdirAll(dir, 0o755)
			_ = os.Chown(dir, u.Uid, u.Gid)
		}
	}
	var gids []uint32
	for _, g := range u.Sgids {
		gids = append(gids, uint32(g))
	}
	spec := &specs.Spec{
		Version: specs.Version,
		Root:    &specs.Root{Path: rootfs, Readonly: host.ReadOnly},
		Process: &specs.Process{
			Terminal: cfg.Tty,
			Args:     cfg.Args(),
			Env:      processEnv(cfg.Env, cfg.Hostname, u.Home, cfg.Tty),
			Cwd:      cwd,
			User:     specs.User{UID: uint32(u.Uid), GID: uint32(u.Gid), AdditionalGids: gids},
			Capabilities: &specs.LinuxCapabilities{
				Bounding: caps, Effective: caps, Permitted: caps,
			},
		},
		Hostname: cfg.Hostname,
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
			{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
			{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
			{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"ro", "nosuid", "noexec", "nodev"}},
			{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
			{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=67108864"}},
			{Destination: "/etc/resolv.conf", Type: "bind", Source: s.ResolvConfPath(c.ID), Options: []string{"rbind", "rprivate"}},
			{Destination: "/etc/hostname", Type: "bind", Source: s.HostnamePath(c.ID), Options: []string{"rbind", "rprivate"}},
			{Destination: "/etc/hosts", Type: "bind", Source: s.HostsPath(c.ID), Options: []string{"rbind", "rprivate"}},
		},
		Linux: &specs.Linux{
			CgroupsPath: "/dockyard/" + c.ID,
			// A cgroup namespace of its own, Docker's default on cgroup v2
			// hosts (cgroupns "private"; "host" on v1): the container sees
			// its cgroup as / and no host path. On a v1 host it also lets
			// libcontainer mount each hierarchy's own file system at
			// /sys/fs/cgroup/<name> (one mount each) instead of bind-mounting
			// the host's directory and remounting it read-only (two, each
			// path checked again): the /sys/fs/cgroup mount took ~40% less
			// of the init's time (docs/design.md). The files the container
			// sees are the same.
			Namespaces: []specs.LinuxNamespace{
				{Type: specs.PIDNamespace}, {Type: specs.IPCNamespace},
				{Type: specs.UTSNamespace}, {Type: specs.MountNamespace},
				{Type: specs.CgroupNamespace},
			},
			MaskedPaths:   maskedPaths,
			ReadonlyPaths: readonlyPaths,
			Resources: &specs.LinuxResources{
				// Deny every device but the defaults specconv adds.
				Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
			},
		},
	}
	switch netns {
	case "host":
	case "":
		spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace})
	default:
		spec.Linux.Namespaces = append(spec.Linux.Namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: netns})
	}
	if netns != "host" {
		spec.Linux.Sysctl = privateNetSysctls()
	}
	for _, m := range host.Mounts {
		switch m.Type {
		case "tmpfs":
			opts := []string{"nosuid", "nodev", "noexec"}
			if m.ReadOnly {
				opts = append(opts, "ro")
			}
			spec.Mounts = append(spec.Mounts, specs.Mount{Destination: m.Destination, Type: "tmpfs", Source: "tmpfs", Options: opts})
		default:
			opts := []string{"rbind", "rprivate"}
			if m.ReadOnly {
				opts = append(opts, "ro")
			}
			spec.Mounts = append(spec.Mounts, specs.Mount{Destination: m.Destination, Type: "bind", Source: m.Source, Options: opts})
		}
	}
	r := host.Resources
	res := spec.Linux.Resources
	if r.Memory > 0 {
		res.Memory = &specs.LinuxMemory{Limit: &r.Memory}
		// As Docker: memory plus swap may reach twice the limit, where
		// the kernel accounts swap (cgroup v1 memsw); a process that
		// outgrows it is OOM-killed even on a host with swap.
		if _, err := os.Stat("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"); err == nil {
			swap := 2 * r.Memory
			res.Memory.Swap = &swap
		}
	}
	if r.NanoCPUs > 0 {
		period := uint64(100000)
		quota := r.NanoCPUs * int64(period) / 1e9
		res.CPU = &specs.LinuxCPU{Period: &period, Quota: &quota}
	}
	pids := int64(DefaultPidsLimit)
	if r.PidsLimit != nil {
		pids = *r.PidsLimit
	}
	if pids > 0 {
		res.Pids = &specs.LinuxPids{Limit: &pids}
	}
	prof, err := seccomp.GetDefaultProfile(spec)
	if err != nil {
		return nil, fmt.Errorf("seccomp profile: %w", err)
	}
	// Docker's profile allows the native architecture and its 32-bit
	// compat ones (x86, x32 on amd64). libseccomp compiles the filter in
	// every container's init, and the compat architectures make that ~30
	// ms instead of ~3 (measured, docs/design.md). Dockyard keeps only the
	// native one: 32-bit syscalls are refused (the process is killed),
	// which closes the compat syscall surface too; lesson images are
	// 64-bit.
	if len(prof.Architectures) > 1 {
		prof.Architectures = prof.Architectures[:1]
	}
	spec.Linux.Seccomp = prof
	return spec, nil
}

// privateNetSysctls are what Docker sets in a network namespace of the
// container's own (moby daemon/oci_linux.go, WithCommonOptions, since
// 20.10): any user may bind ports below 1024 (a non-root web server on port
// 80) and open ICMP echo sockets (ping without CAP_NET_RAW). The host's
// namespace (--network host) keeps the host's settings. A kernel without
// the setting gets none.
func privateNetSysctls() map[string]string {
	s := map[string]string{}
	if sysctlExists("net.ipv4.ping_group_range") {
		s["net.ipv4.ping_group_range"] = "0 2147483647"
	}
	if sysctlExists("net.ipv4.ip_unprivileged_port_start") {
		s["net.ipv4.ip_unprivileged_port_start"] = "0"
	}
	return s
}

func sysctlExists(name string) bool {
	_, err := os.Stat(filepath.Join("/proc/sys", strings.ReplaceAll(name, ".", "/")))
	return err == nil
}

// libcontainerConfig turns the OCI spec into libcontainer's config with
// runc's own conversion.
func libcontainerConfig(id string, spec *specs.Spec) (*configs.Config, error) {
	cfg, err := specconv.CreateLibcontainerConfig(&specconv.CreateOpts{
		CgroupName: id,
		Spec:       spec,
	})
	if err != nil {
		return nil, fmt.Errorf("container config: %w", err)
	}
	// If the monitor dies, so does the container: nothing runs unwatched.
	cfg.ParentDeathSignal = int(unix.SIGKILL)
	return cfg, nil
}

// mountRootfs mounts the overlay of the image layers and the container's
// writable layer at its rootfs directory.
func (s *Store) mountRootfs(c *Container) (string, error) {
	dir := s.Dir(c.ID)
	target := s.RootfsPath(c.ID)
	if isMounted(target) {
		return target, nil
	}
	lower := make([]string, len(c.Spec.LowerDirs))
	for i, d := range c.Spec.LowerDirs {
		lower[i] = escapeOverlay(d)
	}
	data := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", strings.Join(lower, ":"),
		escapeOverlay(filepath.Join(dir, "upper")), escapeOverlay(filepath.Join(dir, "work")))
	// "volatile" (Linux 5.10) skips the sync of the whole upper filesystem
	// that unmounting an overlay otherwise does: ~300 ms on a busy disk,
	// the largest single cost of `docker run --rm` (docs/design.md). A
	// container's writable layer does not survive a host crash anyway.
	// A volatile overlay leaves work/work/incompat/volatile behind, and
	// overlayfs refuses the next mount while it is there; the work dir is
	// only scratch space, so empty it first.
	_ = os.RemoveAll(filepath.Join(dir, "work", "work"))
	err := unix.Mount("overlay", target, "overlay", 0, data+",volatile")
	if errors.Is(err, unix.EINVAL) { // before Linux 5.10
		err = unix.Mount("overlay", target, "overlay", 0, data)
	}
	if err != nil {
		if uerr := CheckUpperFS(dir); uerr != nil {
			return "", uerr
		}
		return "", fmt.Errorf("mount container root filesystem: %w", err)
	}
	return target, nil
}

func escapeOverlay(p string) string {
	return strings.NewReplacer(`\`, `\\`, `:`, `\:`, `,`, `\,`).Replace(p)
}

func unmountRootfs(target string) {
	_ = unix.Unmount(target, unix.MNT_DETACH)
}

// isMounted reports whether path is a mount point.
func isMounted(path string) bool {
	var st, parent unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return false
	}
	if err := unix.Lstat(filepath.Dir(path), &parent); err != nil {
		return false
	}
	return st.Dev != parent.Dev
}
