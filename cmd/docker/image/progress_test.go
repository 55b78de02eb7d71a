package image

import (
	"bytes"
	"strings"
	"testing"

	sbimage "github.com/dockyard-lab/dockyard/sandbox/image"
)

func TestProgressPlain(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, false)
	for _, e := range []sbimage.Event{
		{Status: "latest: Pulling from library/busybox"},
		{ID: "aaa", Status: sbimage.StatusPullingFS},
		{ID: "aaa", Status: sbimage.StatusDownloading, Current: 10, Total: 100},
		{ID: "aaa", Status: sbimage.StatusDownloading, Current: 50, Total: 100},
		{ID: "aaa", Status: sbimage.StatusDownloaded},
		{ID: "aaa", Status: sbimage.StatusPullComplete},
	} {
		p.Event(e)
	}
	want := "latest: Pulling from library/busybox\naaa: Pulling fs layer\naaa: Download complete\naaa: Pull complete\n"
	if buf.String() != want {
		t.Errorf("plain progress = %q, want %q", buf.String(), want)
	}
}

func TestProgressTerminalRedrawsLayerLines(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, true)
	p.Event(sbimage.Event{ID: "aaa", Status: sbimage.StatusPullingFS})
	p.Event(sbimage.Event{ID: "bbb", Status: sbimage.StatusPullingFS})
	buf.Reset()
	p.Event(sbimage.Event{ID: "aaa", Status: sbimage.StatusDownloading, Current: 1 << 20, Total: 2 << 20})
	got := buf.String()
	// Two lines up to aaa's line, redraw it with a half-full bar, two down.
	if !strings.HasPrefix(got, "\x1b[2A\raaa: Downloading [=========================>                        ]") ||
		!strings.Contains(got, "1.049MB/2.097MB") || !strings.HasSuffix(got, "\x1b[K\r\x1b[2B") {
		t.Errorf("terminal redraw = %q", got)
	}
}

func TestProgressBar(t *testing.T) {
	tests := []struct {
		e    sbimage.Event
		want string
	}{
		{sbimage.Event{Status: sbimage.StatusDownloading, Current: 0, Total: 100}, "[>" + strings.Repeat(" ", 49) + "]"},
		{sbimage.Event{Status: sbimage.StatusExtracting, Current: 100, Total: 100}, "[" + strings.Repeat("=", 50) + "]"},
		{sbimage.Event{Status: sbimage.StatusPullComplete}, ""},
		{sbimage.Event{Status: sbimage.StatusDownloading, Current: 5}, ""}, // unknown total
	}
	for _, tt := range tests {
		if got := progressBar(tt.e); !strings.HasPrefix(got, tt.want) || (tt.want == "" && got != "") {
			t.Errorf("progressBar(%+v) = %q, want prefix %q", tt.e, got, tt.want)
		}
	}
}
