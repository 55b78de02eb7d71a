package container

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCopySummary: the line Docker's CLI prints after a copy on a
// terminal, with the size of the copy's tar stream (a small file is one
// header, one block and the two closing blocks: 2.05kB, as Docker says).
func TestCopySummary(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "daily-7.txt")
	if err := os.WriteFile(report, []byte("total: 42 orders\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := copySummary(report, "/tmp/daily-report.txt"), "Successfully copied 2.05kB to /tmp/daily-report.txt\n"; got != want {
		t.Errorf("copySummary(%q) = %q, want %q", report, got, want)
	}
	if got := copySummary(filepath.Join(dir, "gone"), "x"); got != "" {
		t.Errorf("copySummary(a missing path) = %q, want nothing", got)
	}
	for _, tc := range []struct{ p, dst, want string }{
		{"/var/reports/daily-7.txt", dir, filepath.Join(dir, "daily-7.txt")},
		{"/var/reports/daily-7.txt", filepath.Join(dir, "new.txt"), filepath.Join(dir, "new.txt")},
	} {
		if got := copiedTo(tc.p, tc.dst); got != tc.want {
			t.Errorf("copiedTo(%q, %q) = %q, want %q", tc.p, tc.dst, got, tc.want)
		}
	}
}
