package vm

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/kballard/go-shellquote"
)

// DefaultQEMU is the emulator from Debian's qemu-system-x86 package.
const DefaultQEMU = "qemu-system-x86_64"

// Accel is how qemu runs the guest's instructions.
type Accel string

const (
	// AccelAuto means: KVM when a short probe shows it works, else TCG.
	AccelAuto Accel = ""
	// AccelKVM runs the guest on the CPU through the host kernel's hypervisor.
	AccelKVM Accel = "kvm"
	// AccelTCG is qemu's software emulation: slow, but works everywhere.
	AccelTCG Accel = "tcg"
)

// ParseAccel accepts "auto", "kvm" and "tcg".
func ParseAccel(s string) (Accel, error) {
	switch s {
	case "", "auto":
		return AccelAuto, nil
	case "kvm":
		return AccelKVM, nil
	case "tcg":
		return AccelTCG, nil
	}
	return "", fmt.Errorf("unknown accelerator %q (use auto, kvm or tcg)", s)
}

// maxCmdline is the x86 kernel's COMMAND_LINE_SIZE, trailing NUL included.
const maxCmdline = 2048

// bootSpec is one qemu invocation.
type bootSpec struct {
	kernel, initrd string
	memoryMB       int
	accel          Accel
	command        []string
	interactive    bool
	// bootMessages keeps the kernel's boot messages on the console.
	bootMessages bool
	// serial are the arguments that wire the guest's serial port (and the
	// monitor, for detached VMs) to the host.
	serial []string
}

// kernelCmdline is what the guest kernel and its /init read.
func (b bootSpec) kernelCmdline() (string, error) {
	// quiet: only kernel errors on the console; panic=-1 with qemu's
	// -no-reboot turns a guest panic into qemu exiting at once.
	args := []string{"console=ttyS0", "quiet", "panic=-1", "rdinit=/init"}
	if b.bootMessages {
		args[1] = "loglevel=7" // everything up to KERN_INFO
	}
	if b.interactive {
		args = append(args, "dockyard.mode=tty")
	} else {
		args = append(args, "dockyard.mode=batch")
	}
	if len(b.command) > 0 {
		args = append(args, "dockyard.cmd="+base64.StdEncoding.EncodeToString([]byte(shellquote.Join(b.command...))))
	}
	line := strings.Join(args, " ")
	if len(line) >= maxCmdline {
		return "", fmt.Errorf("vm command is too long: the kernel command line holds %d bytes, this needs %d (put the command in a script)", maxCmdline-1, len(line))
	}
	return line, nil
}

// args returns qemu's command line, without the program name.
func (b bootSpec) args() ([]string, error) {
	cmdline, err := b.kernelCmdline()
	if err != nil {
		return nil, err
	}
	args := []string{
		"-nodefaults", "-no-user-config", "-display", "none",
		// -no-reboot: a guest reboot or panic ends qemu instead of looping.
		"-no-reboot",
		"-accel", string(b.accel),
		"-m", fmt.Sprintf("%dM", b.memoryMB),
		"-smp", "1",
		"-kernel", b.kernel,
		"-initrd", b.initrd,
		"-append", cmdline,
	}
	return append(args, b.serial...), nil
}
