package vm_test

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/vm"
)

// The checker's `vm: last-run` kind reads the record `dockyard vm run`
// leaves under the state root.
func ExampleReadLastRun() {
	root, _ := os.MkdirTemp("", "dockyard-example")
	defer os.RemoveAll(root)

	if _, err := vm.ReadLastRun(vm.Dir(root)); errors.Is(err, vm.ErrNoLastRun) {
		fmt.Println("ran: false")
	}

	// What `dockyard vm run -- uname -r` records once the guest is up.
	rec := vm.NewLastRun([]string{"uname", "-r"}, vm.AccelTCG, vm.Ready{Kernel: "6.1.0-56-cloud-amd64", MemTotalKB: 94800}, 2300*time.Millisecond)
	code := 0
	rec.ExitCode = &code
	rec.HostKernel, rec.KernelDiffersFromHost = "6.18.44-fc-v669", true
	if err := vm.RecordLastRun(vm.Dir(root), rec); err != nil {
		fmt.Println(err)
	}

	got, err := vm.ReadLastRun(vm.Dir(root))
	if err != nil {
		fmt.Println(err)
	}
	fmt.Println("ran: true")
	fmt.Println("kernel_differs_from_host:", got.KernelDiffersFromHost)
	fmt.Println("exit_code:", *got.ExitCode)
	fmt.Println("guest_kernel:", got.GuestKernel)
	// Output:
	// ran: false
	// ran: true
	// kernel_differs_from_host: true
	// exit_code: 0
	// guest_kernel: 6.1.0-56-cloud-amd64
}
