package system_test

import (
	"strings"
	"testing"
)

// docker system df counts what each kind takes and what pruning the
// unused ones would free, in Docker's table.
func TestSystemDf(t *testing.T) {
	root := rootWithBusybox(t)
	t.Cleanup(func() { dockerCLI(t, root, "", "rm", "-f", "running") })

	// Nothing but an unused image: all of it is reclaimable.
	out, code := dockerCLI(t, root, "", "system", "df")
	if code != 0 {
		t.Fatalf("system df = %d: %s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE") {
		t.Fatalf("system df =\n%s\nwant Docker's header and four rows", out)
	}
	if !strings.HasPrefix(lines[1], "Images          1         0") || !strings.HasSuffix(lines[1], "(100%)") {
		t.Errorf("images row = %q, want 1 image, none active, all reclaimable", lines[1])
	}

	// A stopped container that wrote 1 MB, a volume holding 2 MB, and a
	// running container that keeps the image in use.
	for _, args := range [][]string{
		{"run", "--name", "writer", "--network", "none", "busybox", "dd", "if=/dev/zero", "of=/big", "bs=1000", "count=1000"},
		{"volume", "create", "data"},
		{"run", "--rm", "--network", "none", "-v", "data:/data", "busybox", "dd", "if=/dev/zero", "of=/data/f", "bs=1000", "count=2000"},
		{"run", "-d", "--name", "running", "--network", "none", "busybox", "sleep", "60"},
	} {
		if out, code := dockerCLI(t, root, "", args...); code != 0 {
			t.Fatalf("docker %s = %d: %s", strings.Join(args, " "), code, out)
		}
	}
	out, code = dockerCLI(t, root, "", "system", "df", "--format", "{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}|{{.Reclaimable}}")
	if code != 0 {
		t.Fatalf("system df --format = %d: %s", code, out)
	}
	rows := strings.Split(strings.TrimSpace(out), "\n")
	want := map[string]string{
		"Images":        "Images|1|1|",
		"Containers":    "Containers|2|1|1MB|1MB (100%)",
		"Local Volumes": "Local Volumes|1|0|2MB|2MB (100%)",
		"Build Cache":   "Build Cache|0|0|0B|0B",
	}
	for _, r := range rows {
		typ, _, _ := strings.Cut(r, "|")
		if w, ok := want[typ]; !ok || !strings.HasPrefix(r, w) {
			t.Errorf("row %q, want it to start with %q", r, w)
		}
	}
	if !strings.HasSuffix(rows[0], "0B (0%)") {
		t.Errorf("images row %q: the running container's image frees nothing", rows[0])
	}

	if out, code := dockerCLI(t, root, "", "system", "df", "-v"); code != 125 || !strings.Contains(out, "docker images, docker ps -a and docker volume ls") {
		t.Errorf("system df -v = %d %q, want 125 and where to look instead", code, out)
	}
}
