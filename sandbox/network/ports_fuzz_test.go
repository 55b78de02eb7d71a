package network

import (
	"fmt"
	"net"
	"strconv"
	"testing"
)

// FuzzParsePort: any -p value parses or fails with an error, never a
// panic; what parses is a sane binding (a container port, tcp or udp, no
// more bindings than the 65535 ports allow), and each binding written back
// in -p form parses to itself.
func FuzzParsePort(f *testing.F) {
	for _, s := range []string{"80", "8080:80", "127.0.0.1:8080:80/udp", "[::1]:8080:80", "8000-8001:80-81",
		"127.0.0.1::80", "0.0.0.0:1-65535:1-65535/tcp", "80/sctp", ":80", "[::1:80", "99999:80", "8000-7999:80-79"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		bs, err := ParsePort(spec)
		if err != nil {
			return
		}
		if len(bs) == 0 || len(bs) > 65535 {
			t.Fatalf("ParsePort(%q) = %d bindings", spec, len(bs))
		}
		for _, b := range bs {
			if b.ContainerPort == 0 || (b.Proto != "tcp" && b.Proto != "udp") {
				t.Fatalf("ParsePort(%q) gave %+v", spec, b)
			}
			host := ""
			if b.HostPort != 0 {
				host = strconv.Itoa(int(b.HostPort))
			}
			again := fmt.Sprintf("%s:%d/%s", host, b.ContainerPort, b.Proto)
			if b.HostIP.IsValid() {
				again = net.JoinHostPort(b.HostIP.String(), host) + again[len(host):]
			} else if host == "" {
				again = again[1:]
			}
			back, err := ParsePort(again)
			if err != nil || len(back) != 1 || back[0] != b {
				t.Fatalf("ParsePort(%q) gave %+v, written back as %q it parses to %+v, %v", spec, b, again, back, err)
			}
		}
	})
}
