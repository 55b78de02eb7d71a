package vm

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/lessons/screen"
	"github.com/dockyard-lab/dockyard/sandbox/vm"
)

// What vm run says around the VM is in the student's language, with the
// words the lesson tells them to read (guest kernel, boot time; 게스트
// 커널, 부팅 시간), and fits the terminal: 80 columns here.
func TestRunSaysItInTheStudentsLanguageWithinTheWidth(t *testing.T) {
	res := &vm.Result{
		ExitCode: 0, Accel: vm.AccelTCG, PoweredOff: true,
		Ready:    vm.Ready{Kernel: "6.1.0-56-cloud-amd64", MemTotalKB: 94800, Uptime: 1840 * time.Millisecond},
		BootTime: 2310 * time.Millisecond, Wall: 2870 * time.Millisecond, MaxRSS: 216 << 20,
	}
	noKVM := vm.AccelChoice{Accel: vm.AccelTCG, Cause: vm.CauseNoKVM, Detail: "open /dev/kvm: no such file or directory"}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{
			"Checking whether KVM works here", "Accelerator: tcg: KVM is not available (open /dev/kvm:",
			"Booting a VM: kernel 6.1.0-56-cloud-amd64, 128 MiB of memory", "VM summary",
			"  guest kernel   6.1.0-56-cloud-amd64 (host: 6.18.44-fc-v669;", "  boot time      2.31s until the command started",
			"  exit code      0"}},
		{"ko", []string{
			"KVM이 동작하는지 확인하는 중이에요", "가속기: tcg: KVM을 쓸 수 없어요 (open /dev/kvm:",
			"가상 머신을 부팅해요: 커널 6.1.0-56-cloud-amd64, 메모리 128 MiB", "가상 머신 요약",
			"  게스트 커널     6.1.0-56-cloud-amd64 (호스트: 6.18.44-fc-v669,", "  부팅 시간       명령이 시작되기까지 2.31s",
			"  종료 코드       0"}},
	} {
		ios, _, _, errOut := iostreams.Test()
		say := newTeller(&RunOptions{IO: ios, Lang: tc.lang, Width: 80})
		say.say("vm.accel.checking", "/var/lib/dockyard/vm/accel.json")
		say.say("vm.accel.chosen", noKVM.Accel, say.reason(noKVM))
		say.say("vm.booting", res.Ready.Kernel, 128)
		say.summary(res, "6.18.44-fc-v669")
		got := errOut.String()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("vm run (%s) said\n%s\nwant it to contain %q", tc.lang, got, w)
			}
		}
		for _, line := range strings.Split(got, "\n") {
			if screen.Width(line) > 80 {
				t.Errorf("vm run (%s) line is %d columns, want at most 80: %q", tc.lang, screen.Width(line), line)
			}
		}
	}
}

// A choice remembered before causes were recorded keeps its own words.
func TestReasonOfAnOldChoice(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	say := newTeller(&RunOptions{IO: ios, Lang: "ko"})
	if got := say.reason(vm.AccelChoice{Accel: vm.AccelKVM, Reason: "KVM works (a probe guest booted in 310ms)"}); got != "KVM works (a probe guest booted in 310ms)" {
		t.Errorf("reason(old choice) = %q, want its recorded reason", got)
	}
}

// Bad input is refused in the student's language before anything boots.
func TestRunRefusesInKorean(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	err := runRun(context.Background(), &RunOptions{IO: ios, Root: t.TempDir(), Lang: "ko", Memory: "lots", Accel: "auto", Command: []string{"true"}})
	if want := `--memory "lots"는 올바른 크기가 아니에요: 128M이나 1G처럼 주세요`; err == nil || err.Error() != want {
		t.Errorf("vm run --memory lots (ko) = %v, want %q", err, want)
	}
}
