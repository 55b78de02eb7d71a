package container

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

func TestDetachKeysReader(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     string
		detached bool
	}{
		{"plain input", "echo hi\r", "echo hi\r", false},
		{"ctrl-p ctrl-q detaches", "ls\x10\x11rest", "ls", true},
		{"ctrl-p alone passes", "a\x10b", "a\x10b", false},
		{"ctrl-p at the end passes", "a\x10", "a\x10", false},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = bytes.NewBufferString(tt.in)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			detached := false
			got, _ := io.ReadAll(&detachKeys{r: r, detach: func() { detached = true }})
			if string(got) != tt.want || detached != tt.detached {
				t.Errorf("%s (one byte at a time %v): read %q, detached %v; want %q, %v", tt.name, oneByte, got, detached, tt.want, tt.detached)
			}
		}
	}
}
