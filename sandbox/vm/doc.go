// Package vm boots a tiny virtual machine with qemu for the lesson that sets
// VMs beside containers: Debian's cloud kernel (unpacked by .ci/setup) and an
// initramfs this package builds itself from busybox-static, whose /init runs
// one command, reports its exit code on the serial console and powers off.
//
// Every boot is bounded: a guest that does not report ready within the boot
// timeout, or overruns the run's timeout, is killed and reported as a
// *TimeoutError. KVM is used when a short probe boot under KVM works (the
// answer is remembered in <root>/vm/accel.json); otherwise qemu emulates the
// CPU in software (TCG).
//
// State under <root>/vm:
//
//	accel.json          the remembered accelerator probe
//	initramfs/          built initramfs images, named by a hash of their inputs
//	last-run.json       the last `dockyard vm run` (read by the checker's vm kind)
//	<id>/               a detached VM: vm.json, qemu.pid, console.sock,
//	                    console.log, monitor.sock
package vm
