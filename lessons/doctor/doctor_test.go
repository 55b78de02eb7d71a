package doctor

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dockyard-lab/dockyard/lessons/i18n"
)

// fakeHost writes the files the checks read under a temp dir.
func fakeHost(t *testing.T, files map[string]string) (proc, sys string) {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(root, "proc"), filepath.Join(root, "sys")
}

var healthy = map[string]string{
	"proc/sys/kernel/osrelease": "6.1.0-test\n",
	"proc/filesystems":          "nodev\tsysfs\nnodev\toverlay\n",
	"proc/self/ns/mnt":          "", "proc/self/ns/pid": "", "proc/self/ns/net": "",
	"proc/self/ns/uts": "", "proc/self/ns/ipc": "",
	"proc/sys/net/ipv4/ip_forward": "1\n",
	"sys/fs/cgroup/memory/tasks":   "",
}

func TestMissingImages(t *testing.T) {
	proc, sys := fakeHost(t, healthy)
	env := Env{T: i18n.For("en"), Proc: proc, Sys: sys, StateRoot: t.TempDir(),
		Engine:   func(context.Context) error { return nil },
		HasImage: func(_ context.Context, ref string) (bool, error) { return ref == "busybox", nil },
		Images:   []string{"busybox", "nginx", "postgres"},
	}
	var got *Result
	for _, r := range Run(context.Background(), env) {
		if strings.HasPrefix(r.What, "lesson images") {
			got = &r
		}
	}
	want := Result{Status: Fail, What: "lesson images (busybox, nginx, postgres)",
		Fix: "missing: nginx, postgres; bake them with: sudo dockyard images prepare"}
	if got == nil || *got != want {
		t.Errorf("images result = %+v, want %+v", got, want)
	}
}

func TestHealthyHost(t *testing.T) {
	proc, sys := fakeHost(t, healthy)
	env := Env{T: i18n.For("en"), Proc: proc, Sys: sys, EUID: 0, StateRoot: t.TempDir(),
		Engine:       func(context.Context) error { return nil },
		HasImage:     func(context.Context, string) (bool, error) { return true, nil },
		Images:       []string{"busybox"},
		Ports:        []int{5433},
		ListenTCP:    func(int) error { return nil },
		ProgressFile: "/p.json", Lessons: 9, Tools: []string{"bash"},
	}
	var out bytes.Buffer
	if n := Print(&out, env.T, Run(context.Background(), env), 0); n != 0 {
		t.Errorf("Print() = %d problems, want 0:\n%s", n, out.String())
	}
	want := `Dockyard doctor
  ✓ running as root: ok
  ✓ kernel 6.1.0-test: ok
  ✓ overlay file system: ok
  ✓ control groups (v1): ok
  ✓ namespaces (mnt, pid, net, uts, ipc): ok
  ✓ IP forwarding: ok
  ✓ state folder ` + env.StateRoot + `: ok
  ✓ engine: ok
  ✓ lesson images (busybox): ok
  ✓ ports the lessons publish (5433): ok
  ✓ progress file /p.json: ok
  ✓ lessons (9): ok
  ✓ tools: bash: ok
Everything Dockyard needs is in place.
`
	if out.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestBrokenHost has every check fail and expects each problem with its
// fix, in Korean.
func TestBrokenHost(t *testing.T) {
	proc, sys := fakeHost(t, map[string]string{
		"state-is-a-file":              "",
		"proc/sys/kernel/osrelease":    "6.1.0-test\n",
		"proc/filesystems":             "nodev\tsysfs\n",
		"proc/self/ns/mnt":             "",
		"proc/sys/net/ipv4/ip_forward": "0\n",
	})
	env := Env{T: i18n.For("ko"), Proc: proc, Sys: sys, EUID: 1000, StateRoot: filepath.Join(filepath.Dir(proc), "state-is-a-file", "dockyard"),
		Engine:       func(context.Context) error { return errors.New("dockyard needs root: try sudo dockyard ...") },
		Images:       []string{"busybox", "postgres"},
		Ports:        []int{5433},
		ListenTCP:    func(p int) error { return errors.New("address in use") },
		ProgressFile: "/p.json", ProgressErr: errors.New("permission denied"),
		Lessons: 9, LessonProblems: 2, Tools: []string{"no-such-tool-xyz"},
	}
	var out bytes.Buffer
	n := Print(&out, env.T, Run(context.Background(), env), 0)
	want := `Dockyard 점검
  ! root 권한으로 실행 중: 주의
      → 엔진은 root 권한이 필요해요: sudo로 dockyard를 실행하세요
  ✓ 커널 6.1.0-test: 정상
  ✗ overlay 파일 시스템: 문제
      → 모듈을 올리세요: sudo modprobe overlay
  ✗ 컨트롤 그룹 (v1): 문제
      → /sys/fs/cgroup에 cgroup 파일 시스템을 마운트하세요
  ✗ 네임스페이스 (mnt, pid, net, uts, ipc): 문제
      → 이 커널에는 pid, net, uts, ipc 네임스페이스가 없어요. 컨테이너에 꼭 필요해요
  ! IP 포워딩: 주의
      → 포트 공개와 컨테이너의 인터넷 연결에 필요해요: sudo sysctl -w net.ipv4.ip_forward=1
  ! 상태 폴더 <root>/state-is-a-file/dockyard: 주의
      → 폴더를 만들거나 --root로 다른 곳을 고르세요: cannot write in <root>/state-is-a-file: not a directory
  ✗ 엔진: 문제
      → dockyard needs root: try sudo dockyard ...
  - 레슨 이미지 (busybox, postgres): 건너뜀
      → 엔진이 아직 이미지 목록을 보여 주지 못해요
  ! 레슨이 쓰는 포트 (5433): 주의
      → 5433번 포트가 사용 중이에요: 그 포트를 쓰는 프로그램을 멈추세요 (ss -ltnp 'sport = :5433')
  ! 진행 기록 파일 /p.json: 주의
      → permission denied
  ✗ 레슨 (9개): 문제
      → 문제 2개: dockyard author lint를 실행해 보세요
  ! 도구: no-such-tool-xyz: 주의
      → 설치하세요: apt-get install no-such-tool-xyz
위에 문제가 5개 있어요. 각 줄에 고치는 방법이 적혀 있어요.
`
	got := strings.ReplaceAll(out.String(), filepath.Dir(proc), "<root>")
	if got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
	if n != 5 {
		t.Errorf("Print() = %d problems, want 5", n)
	}
}

// While a bake runs, missing images are a warning with its progress, not a
// failure: the lessons that need them wait.
func TestImagesBaking(t *testing.T) {
	proc, sys := fakeHost(t, healthy)
	env := Env{T: i18n.For("en"), Proc: proc, Sys: sys, StateRoot: t.TempDir(),
		Engine:   func(context.Context) error { return nil },
		HasImage: func(_ context.Context, ref string) (bool, error) { return false, nil },
		Images:   []string{"postgres"},
		Baking:   func() string { return "baking postgres 42% (install): about 35s left" },
	}
	for _, r := range Run(context.Background(), env) {
		if strings.HasPrefix(r.What, "lesson images") {
			want := Result{Status: Warn, What: "lesson images (postgres)",
				Fix: "baking postgres 42% (install): about 35s left; lessons that need an image wait for it"}
			if r != want {
				t.Errorf("images result = %+v, want %+v", r, want)
			}
		}
	}
}

// A state root on a file system overlayfs cannot write to is a failure
// that says what to do.
func TestStateRootUpperFS(t *testing.T) {
	proc, sys := fakeHost(t, healthy)
	root := t.TempDir()
	env := Env{T: i18n.For("en"), Proc: proc, Sys: sys, StateRoot: root,
		UpperFS: func(string) error { return errors.New("the state root is on overlayfs: mount a volume there") },
	}
	found := false
	for _, r := range Run(context.Background(), env) {
		if strings.HasPrefix(r.What, "state folder's file system") {
			found = true
			if r.Status != Fail || !strings.Contains(r.Fix, "mount a volume") {
				t.Errorf("upper fs result = %+v, want a failure saying to mount a volume", r)
			}
		}
	}
	if !found {
		t.Errorf("no check of the state folder's file system")
	}
}

// At a terminal's width the report wraps at spaces, each continuation
// under the text it continues, never a word (or a Korean word) split.
func TestPrintWrapsAtTheTerminalWidth(t *testing.T) {
	results := []Result{
		{Status: OK, What: "상태 폴더의 파일 시스템에서 컨테이너를 돌릴 수 있는지 (/var/cache/dockyard-test-me)"},
		{Status: Warn, What: "IP 포워딩", Fix: "포트 공개와 컨테이너의 인터넷 연결에 필요해요: sudo sysctl -w net.ipv4.ip_forward=1"},
	}
	var out bytes.Buffer
	Print(&out, i18n.For("ko"), results, 60)
	want := `Dockyard 점검
  ✓ 상태 폴더의 파일 시스템에서 컨테이너를 돌릴 수 있는지
    (/var/cache/dockyard-test-me): 정상
  ! IP 포워딩: 주의
      → 포트 공개와 컨테이너의 인터넷 연결에 필요해요: sudo
        sysctl -w net.ipv4.ip_forward=1
Dockyard에 필요한 것이 모두 갖춰져 있어요.
`
	if got := out.String(); got != want {
		t.Errorf("report at 60 columns:\n%s\nwant:\n%s", got, want)
	}
}
