package container

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadEnvFile: any --env-file content is read or refused with an
// error naming the file and line; each variable read is a line of the
// file (leading blanks trimmed) with a name free of blanks and no NUL,
// and nothing comes out that was not in the file.
func FuzzReadEnvFile(f *testing.F) {
	for _, s := range []string{"A=1\nB=2\n", "# comment\n\nKEY\n", "  X=y z\n", "BAD KEY=1\n", "=nokey\n", "A=\x00\n",
		"A=1\r\nB=2", strings.Repeat("L", 70000) + "=1\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "env")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		vars, err := readEnvFile(path)
		if err != nil {
			if strings.Contains(err.Error(), "line ") && !strings.Contains(err.Error(), path) {
				t.Fatalf("readEnvFile error %q does not name the file", err)
			}
			return
		}
		total := 0
		for _, v := range vars {
			k, _, _ := strings.Cut(v, "=")
			if k == "" || strings.ContainsAny(k, " \t") || strings.ContainsRune(v, 0) || strings.HasPrefix(v, "#") {
				t.Fatalf("readEnvFile(%q) gave %q", data, v)
			}
			if !strings.Contains(string(data), v) {
				t.Fatalf("readEnvFile(%q) gave %q, which is not in the file", data, v)
			}
			total += len(v)
		}
		if total > len(data) {
			t.Fatalf("readEnvFile(%q) gave %d bytes from %d", data, total, len(data))
		}
	})
}
