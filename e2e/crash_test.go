package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/moby/sys/mountinfo"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/registry"
	"github.com/dockyard-lab/dockyard/sandbox/statecheck"
)

// TestCrashPoints kills the docker CLI, a container's monitor or `dockyard
// serve` with SIGKILL at random moments of pull, build, run, rm, network
// create/connect/rm, volume rm and prune, sometimes followed by a power cut
// (every process of the root killed, its mounts, links, nftables table and
// cgroups gone, as after a reboot). After each point the engine starts up
// again (docker ps -a) and the root must pass statecheck (what `dockyard
// doctor --state` runs), every listed container must inspect, start and
// remove, every listed image must run, the point's container name must be
// free again, and no cgroup of a removed container may be left.
//
// DOCKYARD_CRASH_POINTS sets the number of points (default 100) and
// DOCKYARD_CRASH_BUDGET the time they may take (default 4m30s, so CI stays
// bounded on a loaded machine; 0 for no limit): the run stops at whichever
// comes first and logs how many points it tried. DOCKYARD_CRASH_SEED
// replays a run (each run prints its seed).
func TestCrashPoints(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs containers and kills engine processes")
	}
	points := 100
	if s := os.Getenv("DOCKYARD_CRASH_POINTS"); s != "" {
		points, _ = strconv.Atoi(s)
	}
	seed := time.Now().UnixNano()
	if s := os.Getenv("DOCKYARD_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	budget := 4*time.Minute + 30*time.Second
	if s := os.Getenv("DOCKYARD_CRASH_BUDGET"); s != "" {
		var err error
		if budget, err = time.ParseDuration(s); err != nil {
			t.Fatalf("DOCKYARD_CRASH_BUDGET=%q: %v", s, err)
		}
	}
	t.Logf("DOCKYARD_CRASH_SEED=%d DOCKYARD_CRASH_POINTS=%d DOCKYARD_CRASH_BUDGET=%s", seed, points, budget)
	rng := rand.New(rand.NewSource(seed))

	h := newCrashHarness(t)
	violations := 0
	start := time.Now()
	tried := 0
	for i := range points {
		if budget > 0 && time.Since(start) > budget {
			break
		}
		tried++
		p := h.point(rng, i)
		problems := h.assert(p)
		if len(problems) > 0 {
			violations++
			t.Errorf("point %d (%s): %d broken invariants:\n  %s", i, p, len(problems), strings.Join(problems, "\n  "))
		}
	}
	t.Logf("%d crash points in %s, %d with broken invariants (seed %d)", tried, time.Since(start).Round(time.Second), violations, seed)
}

// crashHarness is one temporary state root with the lesson's busybox, a
// loopback registry holding a copy of it, and the binaries under test.
type crashHarness struct {
	t      *testing.T
	root   string
	reg    string // host:port of the loopback registry
	ctx    string // a build context
	seen   map[string]bool
	serveS string // dockyard serve's socket
}

func newCrashHarness(t *testing.T) *crashHarness {
	src := testRoot()
	// A root of its own beside the baked one (hard links need the same
	// file system): blobs and layers are never written in place, so
	// sharing their inodes is safe. Its network prefix (a hash of the path)
	// is its own too, so no other engine's bridges are touched.
	root, err := os.MkdirTemp(filepath.Dir(src), "crash-root-")
	if err != nil {
		t.Fatal(err)
	}
	h := &crashHarness{t: t, root: root, seen: map[string]bool{}, serveS: filepath.Join(root, "serve.sock")}
	t.Cleanup(func() {
		h.powerCut()
		h.docker("network", "reset")
		os.RemoveAll(root)
	})
	if out, err := exec.Command("cp", "-al", filepath.Join(src, "images"), filepath.Join(root, "images")).CombinedOutput(); err != nil {
		t.Fatalf("link images: %v\n%s", err, out)
	}
	out, _ := h.docker("images", "--format", "{{.Repository}}:{{.Tag}}")
	for _, ref := range strings.Fields(out) {
		if ref != "busybox:latest" {
			h.docker("rmi", "-f", ref)
		}
	}
	if out, code := h.docker("image", "inspect", "busybox"); code != 0 {
		t.Skipf("the baked root %s has no busybox (dockyard images prepare busybox): %s", src, out)
	}
	handler, err := registry.Handler(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	h.reg = strings.TrimPrefix(srv.URL, "http://")
	h.must("tag", "busybox", h.reg+"/crash/busybox:1")
	h.must("push", h.reg+"/crash/busybox:1")
	h.must("rmi", h.reg+"/crash/busybox:1")
	h.ctx = t.TempDir()
	os.WriteFile(filepath.Join(h.ctx, "Dockerfile"), []byte("FROM busybox\nCOPY f /f\nRUN echo built >> /f && sleep 0.2\nCMD [\"cat\", \"/f\"]\n"), 0o644)
	os.WriteFile(filepath.Join(h.ctx, "f"), []byte("context\n"), 0o644)
	return h
}

func (h *crashHarness) cmd(args ...string) *exec.Cmd {
	c := exec.Command(filepath.Join(binDir, "dockyard"), append([]string{"--root", h.root, "docker"}, args...)...)
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return c
}

// docker runs a docker command line to its end.
func (h *crashHarness) docker(args ...string) (string, int) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := h.cmd(args...)
	var b bytes.Buffer
	c.Stdout, c.Stderr = &b, &b
	c.Start()
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			c.Process.Kill()
		case <-done:
		}
	}()
	c.Wait()
	close(done)
	return b.String(), c.ProcessState.ExitCode()
}

func (h *crashHarness) must(args ...string) string {
	h.t.Helper()
	out, code := h.docker(args...)
	if code != 0 {
		h.t.Fatalf("docker %s: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

// crashPoint is one kill: what ran, what was killed, after how long.
type crashPoint struct {
	op, target string
	delay      time.Duration
	powerCut   bool
	name       string // the container name the point used
	// hung says the command did not end within 30 s of the kill
	// (a CLI whose monitor was killed must report it and exit).
	hung bool
}

func (p crashPoint) String() string {
	s := fmt.Sprintf("%s, kill %s after %s", p.op, p.target, p.delay)
	if p.powerCut {
		s += ", then a power cut"
	}
	return s
}

// point sets an operation up, runs it, kills its target after a random
// delay, and maybe cuts the power.
func (h *crashHarness) point(rng *rand.Rand, i int) crashPoint {
	name := fmt.Sprintf("crash%d", i)
	net := fmt.Sprintf("crashnet%d", i%4)
	ops := []struct {
		name  string
		setup [][]string
		args  []string
	}{
		{"pull", [][]string{{"rmi", "-f", h.reg + "/crash/busybox:1"}}, []string{"pull", h.reg + "/crash/busybox:1"}},
		{"build", nil, []string{"build", "--no-cache", "-t", "crash-build:" + strconv.Itoa(i%3), h.ctx}},
		{"run -d", nil, []string{"run", "-d", "--name", name, "-p", "127.0.0.1::80", "busybox", "sleep", "1000"}},
		{"run --rm", nil, []string{"run", "--rm", "--name", name, "busybox", "true"}},
		{"run -d on a network", [][]string{{"network", "create", net}}, []string{"run", "-d", "--name", name, "--network", net, "-v", "crashvol:/data", "busybox", "sleep", "1000"}},
		{"run --restart", nil, []string{"run", "-d", "--name", name, "--restart", "always", "busybox", "sh", "-c", "sleep 0.2; exit 3"}},
		{"rm -f", [][]string{{"run", "-d", "--name", name, "busybox", "sleep", "1000"}}, []string{"rm", "-f", name}},
		{"network create", nil, []string{"network", "create", net}},
		{"network connect", [][]string{{"network", "create", net}, {"run", "-d", "--name", name, "busybox", "sleep", "1000"}}, []string{"network", "connect", net, name}},
		{"network rm", [][]string{{"network", "create", net}}, []string{"network", "rm", net}},
		{"volume rm", [][]string{{"volume", "create", "crashvol" + strconv.Itoa(i)}}, []string{"volume", "rm", "crashvol" + strconv.Itoa(i)}},
		{"system prune", [][]string{{"create", "--name", name, "busybox", "true"}}, []string{"system", "prune", "-f", "--volumes"}},
		{"image prune", [][]string{{"build", "-t", "crash-build:0", h.ctx}}, []string{"image", "prune", "-f"}},
	}
	op := ops[rng.Intn(len(ops))]
	targets := []string{"cli", "cli", "monitor", "serve"}
	p := crashPoint{op: op.name, target: targets[rng.Intn(len(targets))], delay: time.Duration(rng.Int63n(int64(800 * time.Millisecond))), powerCut: rng.Intn(5) == 0, name: name}
	for _, s := range op.setup {
		h.docker(s...)
	}
	switch p.target {
	case "cli", "monitor":
		c := h.cmd(op.args...)
		c.Start()
		time.Sleep(p.delay)
		if p.target == "cli" {
			syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		} else {
			h.killMonitors()
		}
		p.hung = !waitOrKill(c, 30*time.Second)
		if p.target == "monitor" {
			h.killMonitors() // one that the command started after the first kill
		}
	case "serve":
		srv := exec.Command(filepath.Join(binDir, "dockyard"), "--root", h.root, "serve", "--socket", h.serveS, "--group", "")
		srv.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		var log bytes.Buffer
		srv.Stdout, srv.Stderr = &log, &log
		srv.Start()
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if _, err := os.Stat(h.serveS); err == nil {
				break
			}
		}
		c := exec.Command("docker", append([]string{"-H", "unix://" + h.serveS}, op.args...)...)
		c.Start()
		time.Sleep(p.delay)
		syscall.Kill(-srv.Process.Pid, syscall.SIGKILL)
		srv.Wait()
		p.hung = !waitOrKill(c, 30*time.Second)
	}
	if p.powerCut {
		h.powerCut()
	}
	return p
}

// waitOrKill waits for c, killing it after d; it reports whether c ended
// by itself.
func waitOrKill(c *exec.Cmd, d time.Duration) bool {
	done := make(chan struct{})
	go func() { c.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		c.Process.Kill()
		<-done
		return false
	}
}

// rootProcs lists the processes of the root: those naming it on their
// command line (CLIs, monitors, serve) and those in the cgroups of its
// containers.
func (h *crashHarness) rootProcs(monitorsOnly bool) []int {
	ids := h.containerDirs()
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		args := strings.Split(string(cmdline), "\x00")
		if monitorsOnly {
			if len(args) > 2 && args[1] == "__monitor" && args[2] == h.root {
				pids = append(pids, pid)
			}
			continue
		}
		if bytes.Contains(cmdline, []byte(h.root)) {
			pids = append(pids, pid)
			continue
		}
		cg, _ := os.ReadFile("/proc/" + e.Name() + "/cgroup")
		for _, id := range ids {
			if bytes.Contains(cg, []byte("/dockyard/"+id)) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

func (h *crashHarness) killMonitors() {
	for _, pid := range h.rootProcs(true) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

func (h *crashHarness) containerDirs() []string {
	ents, _ := os.ReadDir(filepath.Join(h.root, "containers"))
	var ids []string
	for _, e := range ents {
		if len(e.Name()) == 64 {
			ids = append(ids, e.Name())
			h.seen[e.Name()] = true
		}
	}
	return ids
}

// powerCut does to the root what a reboot does: every process gone, every
// mount, link, nftables table and cgroup gone; files stay.
func (h *crashHarness) powerCut() {
	for range 3 {
		for _, pid := range h.rootProcs(false) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mounts, _ := mountinfo.GetMounts(mountinfo.PrefixFilter(h.root))
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i].Mountpoint) > len(mounts[j].Mountpoint) })
	for _, m := range mounts {
		if m.Mountpoint != h.root {
			unix.Unmount(m.Mountpoint, unix.MNT_DETACH)
		}
	}
	prefix := network.Prefix(h.root)
	links, _ := netlink.LinkList()
	for _, l := range links {
		if strings.HasPrefix(l.Attrs().Name, prefix) {
			netlink.LinkDel(l)
		}
	}
	if conn, err := nftables.New(); err == nil {
		t := &nftables.Table{Name: "dockyard-" + prefix, Family: nftables.TableFamilyIPv4}
		conn.AddTable(t)
		conn.DelTable(t)
		conn.Flush()
	}
	for id := range h.seen {
		h.removeCgroups(id)
	}
	h.containerDirs()
}

func (h *crashHarness) cgroupsOf(id string) []string {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", "dockyard", id))
	if _, err := os.Stat(filepath.Join("/sys/fs/cgroup", "dockyard", id)); err == nil {
		dirs = append(dirs, filepath.Join("/sys/fs/cgroup", "dockyard", id))
	}
	return dirs
}

func (h *crashHarness) removeCgroups(id string) {
	for _, d := range h.cgroupsOf(id) {
		unix.Rmdir(d)
	}
}

// assert lets the engine start up (docker ps -a), then checks every
// invariant and cleans the root up for the next point, returning the
// broken invariants.
func (h *crashHarness) assert(p crashPoint) []string {
	var bad []string
	if p.hung {
		bad = append(bad, "the command did not end within 30 s of the kill")
	}
	// The engine has no daemon: its start-up recovery runs in the
	// commands that read each store (a dead monitor's record in ps, the
	// networks' reconcile in network ls).
	for _, ls := range [][]string{{"ps", "-a"}, {"network", "ls"}, {"volume", "ls"}, {"images"}} {
		if out, code := h.docker(ls...); code != 0 {
			bad = append(bad, "docker "+strings.Join(ls, " ")+": "+out)
		}
	}
	problems, err := statecheck.Check(context.Background(), h.root, statecheck.Options{})
	if err != nil {
		bad = append(bad, "statecheck: "+err.Error())
	}
	for _, pr := range problems {
		bad = append(bad, "statecheck: "+pr.String())
	}
	out, _ := h.docker("ps", "-aq", "--no-trunc")
	for _, id := range strings.Fields(out) {
		// A --rm container whose monitor lives on removes itself meanwhile.
		if o, code := h.docker("inspect", id); code != 0 && !strings.Contains(o, "No such object") {
			bad = append(bad, "docker inspect "+id[:12]+": "+o)
		}
		if o, code := h.docker("start", id); code != 0 && !strings.Contains(o, "No such container") {
			bad = append(bad, "docker start "+id[:12]+": "+strings.TrimSpace(o))
		}
		if o, code := h.docker("rm", "-f", id); code != 0 && !strings.Contains(o, "No such container") {
			bad = append(bad, "docker rm -f "+id[:12]+": "+strings.TrimSpace(o))
		}
	}
	out, _ = h.docker("images", "--format", "{{.ID}} {{.Repository}}:{{.Tag}}")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		id, ref, _ := strings.Cut(line, " ")
		if o, code := h.docker("run", "--rm", "--network", "none", id, "true"); code != 0 {
			bad = append(bad, "docker run --rm "+ref+" true: "+strings.TrimSpace(o))
		}
		if strings.HasPrefix(ref, "crash-build:") || ref == "<none>:<none>" {
			h.docker("rmi", "-f", id)
		}
	}
	if o, code := h.docker("run", "--rm", "--name", p.name, "busybox", "true"); code != 0 {
		bad = append(bad, "the name "+p.name+" is stuck: "+strings.TrimSpace(o))
	}
	h.docker("network", "prune", "-f")
	h.docker("volume", "prune", "-af")
	if _, code := h.docker("image", "inspect", "busybox"); code != 0 {
		h.restoreBusybox()
	}
	// A --rm container's monitor removes its directory after `docker run`
	// returns: the check after cleanup is of a root at rest.
	for deadline := time.Now().Add(10 * time.Second); len(h.rootProcs(true)) > 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	problems, _ = statecheck.Check(context.Background(), h.root, statecheck.Options{})
	for _, pr := range problems {
		bad = append(bad, "after cleanup: "+pr.String())
	}
	// One violation is counted once: the next point starts repaired.
	statecheck.Repair(context.Background(), problems)
	live := map[string]bool{}
	for _, id := range h.containerDirs() {
		live[id] = true
	}
	for id := range h.seen {
		if !live[id] {
			if cg := h.cgroupsOf(id); len(cg) > 0 {
				bad = append(bad, "cgroup left of removed container "+id[:12]+": "+strings.Join(cg, " "))
				h.removeCgroups(id)
			}
			delete(h.seen, id)
		}
	}
	return bad
}

// restoreBusybox pulls busybox back from the loopback registry after a
// prune removed it.
func (h *crashHarness) restoreBusybox() {
	h.must("pull", h.reg+"/crash/busybox:1")
	h.must("tag", h.reg+"/crash/busybox:1", "busybox:latest")
}
