package vm

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestConsoleSplitsOutputFromLog(t *testing.T) {
	const ready = "@@dockyard:ready kernel=6.1.0-56-cloud-amd64 mem_kb=94800 uptime=1.81@@\n"
	tests := []struct {
		name       string
		console    string
		wantOutput string
		wantLog    string
		wantExit   int
		wantReady  bool
	}{
		{
			name:       "command output between the markers",
			console:    "[ 0.1] booting\n" + ready + "hello\n@@dockyard:exit=3@@\n[ 2.5] reboot: Power down\n",
			wantOutput: "hello\n",
			wantLog:    "[ 0.1] booting\n[ 2.5] reboot: Power down\n",
			wantExit:   3,
			wantReady:  true,
		},
		{
			name:       "output without a trailing newline keeps its last line",
			console:    ready + "no newline@@dockyard:exit=0@@\n",
			wantOutput: "no newline",
			wantExit:   0,
			wantReady:  true,
		},
		{
			name:       "terminal line ends are swallowed with the marker",
			console:    "@@dockyard:ready kernel=k mem_kb=1 uptime=0.5@@\r\n$ exit\r\n@@dockyard:exit=0@@\r\n",
			wantOutput: "$ exit\r\n",
			wantExit:   0,
			wantReady:  true,
		},
		{
			name:       "text that only looks like a marker is output",
			console:    ready + "a @@dockyard:bogus@@ and @@ b\n@@dockyard:exit=1@@",
			wantOutput: "a  and @@ b\n",
			wantExit:   1,
			wantReady:  true,
		},
		{
			name:     "an exit before ready is not believed",
			console:  "@@dockyard:exit=0@@\nKernel panic - not syncing\n",
			wantLog:  "Kernel panic - not syncing\n",
			wantExit: -2,
		},
	}
	for _, tt := range tests {
		// Feed the console whole, and one byte at a time: markers split
		// across reads must parse the same.
		for _, chunk := range []int{len(tt.console), 1, 7} {
			var out, log bytes.Buffer
			exit, readyCount := -2, 0
			c := &Console{Output: &out, Log: &log, OnExit: func(code int) { exit = code }, OnReady: func(Ready) { readyCount++ }}
			for i := 0; i < len(tt.console); i += chunk {
				c.Write([]byte(tt.console[i:min(i+chunk, len(tt.console))]))
			}
			c.Flush()
			if out.String() != tt.wantOutput {
				t.Errorf("%s (chunks of %d): output = %q, want %q", tt.name, chunk, out.String(), tt.wantOutput)
			}
			if log.String() != tt.wantLog {
				t.Errorf("%s (chunks of %d): log = %q, want %q", tt.name, chunk, log.String(), tt.wantLog)
			}
			if exit != tt.wantExit {
				t.Errorf("%s (chunks of %d): exit = %d, want %d", tt.name, chunk, exit, tt.wantExit)
			}
			if (readyCount == 1) != tt.wantReady {
				t.Errorf("%s (chunks of %d): ready reported %d times, want ready=%v", tt.name, chunk, readyCount, tt.wantReady)
			}
		}
	}
}

func TestParseReady(t *testing.T) {
	got := parseReady("ready kernel=6.1.0-56-cloud-amd64 mem_kb=94800 uptime=1.81")
	want := Ready{Kernel: "6.1.0-56-cloud-amd64", MemTotalKB: 94800, Uptime: 1810 * time.Millisecond}
	if got != want {
		t.Errorf("parseReady = %+v, want %+v", got, want)
	}
}

func TestConsoleTailKeepsTheEnd(t *testing.T) {
	c := &Console{}
	c.Write([]byte(strings.Repeat("x", 3*tailSize) + "\nlast line\n"))
	if tail := c.Tail(); len(tail) != tailSize || !strings.HasSuffix(tail, "last line\n") {
		t.Errorf("Tail() = %d bytes ending %q, want %d bytes ending in the last line", len(tail), tail[len(tail)-12:], tailSize)
	}
}

// FuzzConsoleChunking checks that however the serial output is split into
// reads, the command's output and exit code come out the same.
func FuzzConsoleChunking(f *testing.F) {
	f.Add("hello\n", uint8(1), uint8(3))
	f.Add("a @@ b @@dock", uint8(5), uint8(2))
	f.Fuzz(func(t *testing.T, output string, a, b uint8) {
		if strings.Contains(output, markerStart) {
			t.Skip("output that carries the marker itself is not the guest's to print")
		}
		stream := "boot log\n@@dockyard:ready kernel=k mem_kb=1 uptime=0@@\n" + output + "@@dockyard:exit=7@@\nreboot: Power down\n"
		var out bytes.Buffer
		exit := -1
		c := &Console{Output: &out, OnExit: func(code int) { exit = code }}
		sizes := []int{int(a%16) + 1, int(b%16) + 1}
		for i, k := 0, 0; i < len(stream); k++ {
			n := min(sizes[k%2], len(stream)-i)
			c.Write([]byte(stream[i : i+n]))
			i += n
		}
		c.Flush()
		if out.String() != output || exit != 7 {
			t.Errorf("chunks %v: output %q, exit %d; want %q, 7", sizes, out.String(), exit, output)
		}
	})
}
