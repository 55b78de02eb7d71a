package compare

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/vm"
)

// vmSide runs the workload in a fresh VM each time (sandbox/vm).
type vmSide struct {
	cfg    vm.Config
	reason string
}

func newVMSide(root string, accel vm.Accel, timeout time.Duration) *vmSide {
	return &vmSide{cfg: vm.Config{
		Dir:         vm.Dir(root),
		Accel:       accel,
		Command:     Workload,
		BootTimeout: timeout,
		Timeout:     timeout,
	}}
}

func (s *vmSide) Name() string { return "vm" }

func (s *vmSide) Prepare(ctx context.Context) (Info, error) {
	k, err := vm.FindKernel(s.cfg.Kernel)
	if err != nil {
		return Info{}, err
	}
	if s.cfg.Accel == vm.AccelAuto {
		choice, err := vm.ChooseAccel(ctx, s.cfg)
		if err != nil {
			return Info{}, err
		}
		s.cfg.Accel, s.reason = choice.Accel, choice.Reason
	}
	initrd, err := vm.Initramfs(filepath.Join(s.cfg.Dir, "initramfs"), vm.DefaultBusybox, vm.InitScript())
	if err != nil {
		return Info{}, err
	}
	st, err := os.Stat(initrd)
	if err != nil {
		return Info{}, fmt.Errorf("initramfs: %w", err)
	}
	return Info{
		Disk: Disk{
			Bytes: k.Size + st.Size(),
			What:  fmt.Sprintf("kernel %s + initramfs %s", mib(k.Size), mib(st.Size())),
		},
		MemoryWhat: "qemu peak RSS",
	}, nil
}

func (s *vmSide) Run(ctx context.Context, out *firstByte) (Run, error) {
	cfg := s.cfg
	cfg.Stdout = out
	res, err := vm.Run(ctx, cfg)
	if err != nil {
		return Run{}, err
	}
	return Run{Wall: out.Since(), HostMemory: res.MaxRSS, ExitCode: res.ExitCode}, nil
}

func (s *vmSide) Details() string {
	if s.reason != "" {
		return fmt.Sprintf("accelerator %s: %s", s.cfg.Accel, s.reason)
	}
	return "accelerator " + string(s.cfg.Accel)
}
