package network

import (
	"strings"
	"testing"
)

func TestParseMode(t *testing.T) {
	tests := []struct {
		in                    string
		want                  Mode
		none, host, isDefault bool
	}{
		{"", DefaultBridge, false, false, true},
		{"default", DefaultBridge, false, false, true},
		{"bridge", DefaultBridge, false, false, true},
		{"none", NoneNetwork, true, false, false},
		{"host", HostNetwork, false, true, false},
		{"my-net", "my-net", false, false, false},
	}
	for _, tt := range tests {
		m, err := ParseMode(tt.in)
		if err != nil || m != tt.want || m.IsNone() != tt.none || m.IsHost() != tt.host || m.IsDefault() != tt.isDefault {
			t.Errorf("ParseMode(%q) = %q (none %v, host %v, default %v), %v; want %q", tt.in, m, m.IsNone(), m.IsHost(), m.IsDefault(), err, tt.want)
		}
	}
	if _, err := ParseMode("container:db"); err == nil || !strings.Contains(err.Error(), "user-defined network") {
		t.Errorf("ParseMode(container:db) error = %v, want it refused with the way out", err)
	}
	if got := Mode("").Network(); got != DefaultBridge {
		t.Errorf("Mode(\"\").Network() = %q, want %q", got, DefaultBridge)
	}
}
