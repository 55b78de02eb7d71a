package container

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDefaultResolvConf: a container starts with the host's resolvers
// minus loopback ones (its own loopback serves no DNS) and the host's
// search domains, as Docker writes it for --network none.
func TestDefaultResolvConf(t *testing.T) {
	tests := []struct {
		name, host, want string
	}{
		{"plain", "nameserver 10.0.0.2\nnameserver 10.0.0.3\n", "nameserver 10.0.0.2\nnameserver 10.0.0.3\n"},
		{"loopback dropped", "nameserver 127.0.0.53\nnameserver ::1\nnameserver 192.0.2.1\n", "nameserver 192.0.2.1\n"},
		{"search kept, options dropped", "search lab.example corp.example\nnameserver 192.0.2.1\noptions edns0 trust-ad\n", "nameserver 192.0.2.1\nsearch lab.example corp.example\n"},
		{"only loopback", "nameserver 127.0.0.1\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "resolv.conf")
			if err := os.WriteFile(p, []byte(tt.host), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Setenv("DOCKYARD_RESOLV_CONF", p)
			if got := string(defaultResolvConf()); got != tt.want {
				t.Errorf("defaultResolvConf() = %q, want %q", got, tt.want)
			}
		})
	}
}
