package vm

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/renameio/v2"
)

// Dir returns the VM state directory under a Dockyard state root.
func Dir(root string) string { return filepath.Join(root, "vm") }

// ErrNoLastRun means no VM has been run under this state root yet.
var ErrNoLastRun = errors.New("no VM has run yet (try: dockyard vm run -- uname -r)")

// LastRun records the most recent `dockyard vm run`, so that a lesson's
// `vm: last-run` check can ask whether the student booted a VM and which
// kernel it saw. It is <root>/vm/last-run.json.
type LastRun struct {
	Time    time.Time `json:"time"`
	Command []string  `json:"command,omitempty"`
	// ExitCode is the guest command's exit code; nil for a detached VM that
	// is still running when the record is written.
	ExitCode *int `json:"exit_code,omitempty"`
	// GuestKernel is `uname -r` inside the VM; HostKernel outside it.
	GuestKernel           string `json:"guest_kernel"`
	HostKernel            string `json:"host_kernel"`
	KernelDiffersFromHost bool   `json:"kernel_differs_from_host"`
	MemTotalKB            int64  `json:"mem_total_kb"`
	Accel                 Accel  `json:"accel"`
	BootMillis            int64  `json:"boot_ms"`
	Detached              bool   `json:"detached,omitempty"`
	// ID names the detached VM.
	ID string `json:"id,omitempty"`
}

// NewLastRun builds the record for a run that got as far as the guest
// reporting ready.
func NewLastRun(command []string, accel Accel, ready Ready, boot time.Duration) LastRun {
	host := HostKernel()
	return LastRun{
		Time:                  time.Now().UTC(),
		Command:               command,
		GuestKernel:           ready.Kernel,
		HostKernel:            host,
		KernelDiffersFromHost: ready.Kernel != host,
		MemTotalKB:            ready.MemTotalKB,
		Accel:                 accel,
		BootMillis:            boot.Milliseconds(),
	}
}

// RecordLastRun writes r as dir's last-run.json, atomically.
func RecordLastRun(dir string, r LastRun) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("record vm run: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("record vm run: %w", err)
	}
	if err := renameio.WriteFile(filepath.Join(dir, "last-run.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("record vm run: %w", err)
	}
	return nil
}

// ReadLastRun reads the record of the last `dockyard vm run` from dir
// (Dir(root)). It returns ErrNoLastRun when there is none.
func ReadLastRun(dir string) (LastRun, error) {
	var r LastRun
	b, err := os.ReadFile(filepath.Join(dir, "last-run.json"))
	if errors.Is(err, os.ErrNotExist) {
		return r, ErrNoLastRun
	}
	if err != nil {
		return r, fmt.Errorf("read last vm run: %w", err)
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("read last vm run %s: %w", filepath.Join(dir, "last-run.json"), err)
	}
	return r, nil
}
