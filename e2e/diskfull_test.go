package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// A full disk (issue 21): the state root on a 64 MiB tmpfs of the test's,
// filled by a container writing to its writable layer and then by one
// writing to a volume. The processes get their own ENOSPC; the engine
// survives them, and each Dockyard command that then needs space (build,
// cp into a container, run, volume create) fails with one line naming
// the disk. Once space is freed, every image, container and volume made
// before is intact and works, nothing half-written is listed, and the
// commands that failed succeed.
func TestFullDisk(t *testing.T) {
	needs(t)
	disk := t.TempDir()
	if err := unix.Mount("tmpfs", disk, "tmpfs", 0, "size=64m"); err != nil {
		t.Fatalf("mount a 64 MiB tmpfs: %v", err)
	}
	droot := filepath.Join(disk, "root")
	dy := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		cmd := exec.Command(filepath.Join(binDir, "dockyard"), append([]string{"--root", droot, "docker"}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.Run()
		return out.String(), errb.String(), cmd.ProcessState.ExitCode()
	}
	must := func(args ...string) string {
		t.Helper()
		out, errOut, code := dy(args...)
		if code != 0 {
			t.Fatalf("docker %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
		return out
	}
	t.Cleanup(func() {
		d := filepath.Join(binDir, "dockyard") + " --root " + droot
		exec.Command("sh", "-c", d+" docker ps -aq | xargs -r "+d+" docker rm -f; "+d+" docker network reset").Run()
		unix.Unmount(disk, unix.MNT_DETACH)
	})

	tarball := filepath.Join(t.TempDir(), "busybox.tar")
	mustSh(t, "dockyard images prepare busybox && docker save -o "+tarball+" busybox")
	must("load", "-i", tarball)

	// What exists before the disk fills.
	ctxDir := t.TempDir()
	os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM busybox\nRUN echo img > /img\n"), 0o644)
	must("build", "-q", "-t", "keep-img", ctxDir)
	must("run", "--name", "keep", "busybox", "sh", "-c", "test -f /kept || echo kept > /kept; cat /kept")
	must("volume", "create", "keepvol")
	must("run", "--rm", "-v", "keepvol:/v", "busybox", "sh", "-c", "echo vol > /v/f")
	listing := func() string {
		return must("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}") +
			must("ps", "-a", "--format", "{{.Names}} {{.Image}}") +
			must("volume", "ls", "--format", "{{.Name}}")
	}
	before := listing()

	// A container fills the disk through its writable layer: dd gets
	// ENOSPC, the container ends, the engine is fine.
	out, errOut, code := dy("run", "--name", "writer", "busybox", "sh", "-c", "dd if=/dev/zero of=/big bs=1M; echo dd=$?")
	if code != 0 || !strings.Contains(out+errOut, "No space left on device") || !strings.Contains(out, "dd=1") {
		t.Fatalf("a container filling its layer: exit %d\n%s%s\nwant dd's own ENOSPC and the container ending well", code, out, errOut)
	}
	if got := must("ps", "-a", "--filter", "name=writer", "--format", "{{.Status}}"); !strings.HasPrefix(got, "Exited (0)") {
		t.Errorf("the writer after the disk filled: %q, want Exited (0)", got)
	}
	// And a container fills it through a volume (what the writer left).
	out, errOut, _ = dy("run", "--rm", "-v", "keepvol:/v", "busybox", "sh", "-c", "dd if=/dev/zero of=/v/big bs=1M; echo dd=$?")
	if !strings.Contains(out, "dd=1") && !strings.Contains(errOut, "no space left on device while") {
		t.Errorf("a container filling a volume: %s%s", out, errOut)
	}

	// Each command that needs space says so in one line naming the disk.
	bigDir := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
	os.WriteFile(filepath.Join(bigDir, "big"), big, 0o644)
	os.WriteFile(filepath.Join(bigDir, "Dockerfile"), []byte("FROM busybox\nCOPY big /big\n"), 0o644)
	for _, tc := range []struct {
		args []string
		op   string
	}{
		{[]string{"build", "-q", "-t", "big-img", bigDir}, "building big-img"},
		{[]string{"cp", filepath.Join(bigDir, "big"), "keep:/big"}, "copying into container keep at /"},
		{[]string{"volume", "create", "newvol"}, "creating volume newvol"},
		{[]string{"run", "--name", "late", "busybox", "true"}, "container late"},
	} {
		fill(t, disk) // what an earlier failure cleaned up is taken again
		_, errOut, code := dy(tc.args...)
		line := firstErrorLine(errOut)
		if code == 0 || !strings.Contains(line, "no space left on device while ") || !strings.Contains(line, tc.op) ||
			!strings.Contains(line, " in "+droot+": free space") {
			t.Errorf("docker %s on a full disk: exit %d, stderr:\n%s\nwant one line: no space left on device while %s ... in %s: free space ...",
				strings.Join(tc.args, " "), code, errOut, tc.op, droot)
		}
		t.Logf("docker %s on a full disk: %s", tc.args[0], line)
		if strings.Count(line, "no space left on device") > 1 {
			t.Errorf("docker %s: %q says it twice: want the disk named once, no Go error chain", tc.args[0], line)
		}
	}
	// docker run creates, then starts: when the start is what failed,
	// the container stays, created, as in Docker; it is whole and starts
	// once there is space.
	late := strings.Contains(must("ps", "-a", "--format", "{{.Names}}"), "late")
	want := before + "writer busybox\n"
	if late {
		want += "late busybox\n"
	}
	if got := listing(); !samelines(got, want) {
		t.Errorf("listed while the disk is full:\n%s\nwant what was there before and the writer:\n%s", got, want)
	}

	// The student frees space: the writer goes, and the volume's filler.
	removeFillers(t, disk)
	must("rm", "writer")
	must("run", "--rm", "-v", "keepvol:/v", "busybox", "rm", "-f", "/v/big")
	if late {
		if got := must("start", "-a", "late"); got != "" {
			t.Errorf("docker start -a late = %q", got)
		}
		must("rm", "late")
	}

	if got := listing(); !samelines(got, before) {
		t.Errorf("listed after freeing space:\n%s\nwant what was there before:\n%s", got, before)
	}
	if got := must("run", "--rm", "keep-img", "cat", "/img"); got != "img\n" {
		t.Errorf("keep-img after the full disk: %q, want img", got)
	}
	if got := must("start", "-a", "keep"); got != "kept\n" {
		t.Errorf("keep after the full disk: %q, want kept", got)
	}
	if got := must("run", "--rm", "-v", "keepvol:/v", "busybox", "ls", "/v"); got != "f\n" {
		t.Errorf("keepvol after the full disk holds %q, want only f", got)
	}
	if got := must("run", "--rm", "-v", "keepvol:/v", "busybox", "cat", "/v/f"); got != "vol\n" {
		t.Errorf("keepvol's file after the full disk: %q, want vol", got)
	}
	if _, _, code := dy("cp", "keep:/big", t.TempDir()); code == 0 {
		t.Error("a failed docker cp left /big in the container: want no half-written file")
	}
	// What failed works now.
	must("build", "-q", "-t", "big-img", bigDir)
	must("cp", filepath.Join(bigDir, "big"), "keep:/big")
	must("volume", "create", "newvol")
	must("run", "--rm", "busybox", "true")
}

// fill writes files on the disk at dir until it is full, to the byte.
func fill(t *testing.T, dir string) {
	t.Helper()
	f, err := os.CreateTemp(dir, "filler-")
	if err != nil {
		return // full already: not even an inode
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for n := len(buf); n > 0; n /= 2 {
		for {
			if _, err := f.Write(buf[:n]); err != nil {
				break
			}
		}
	}
}

func removeFillers(t *testing.T, dir string) {
	t.Helper()
	fillers, _ := filepath.Glob(filepath.Join(dir, "filler-*"))
	for _, f := range fillers {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
}

// firstErrorLine is stderr's first line that is not build progress.
func firstErrorLine(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return ""
}

// samelines reports whether a and b hold the same lines in any order.
func samelines(a, b string) bool {
	la, lb := strings.Split(strings.TrimSpace(a), "\n"), strings.Split(strings.TrimSpace(b), "\n")
	if len(la) != len(lb) {
		return false
	}
	count := map[string]int{}
	for _, l := range la {
		count[l]++
	}
	for _, l := range lb {
		count[l]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}
