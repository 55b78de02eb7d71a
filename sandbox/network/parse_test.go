package network

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestParsePortRange(t *testing.T) {
	tests := []struct {
		spec    string
		want    []Port
		wantErr string
	}{
		{"80", []Port{{80, "tcp"}}, ""},
		{"53/udp", []Port{{53, "udp"}}, ""},
		{"80/TCP", []Port{{80, "tcp"}}, ""},
		{"9/sctp", []Port{{9, "sctp"}}, ""},
		{"8000-8002/udp", []Port{{8000, "udp"}, {8001, "udp"}, {8002, "udp"}}, ""},
		{"80/http", nil, "protocol must be tcp, udp or sctp"},
		{"http", nil, "give a port number"},
		{"70000", nil, "give a port number"},
		{"0", nil, "give a port number"},
		{"81-80", nil, "give a port number"},
		{"", nil, "give a port number"},
	}
	for _, tt := range tests {
		got, err := ParsePortRange(tt.spec)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePortRange(%q) error = %v, want it to mention %q", tt.spec, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("ParsePortRange(%q) = %v, %v, want %v", tt.spec, got, err, tt.want)
		}
	}
	if p, err := ParsePort("5432"); err != nil || p.String() != "5432/tcp" {
		t.Errorf("ParsePort(5432) = %v, %v, want 5432/tcp", p, err)
	}
	if _, err := ParsePort("80-81"); err == nil {
		t.Errorf("ParsePort(80-81) succeeded, want one port only")
	}
}

func TestPortBindingString(t *testing.T) {
	b := PortBinding{netip.IPv4Unspecified(), 5433, 5432, "tcp"}
	if got, want := b.String(), "0.0.0.0:5433->5432/tcp"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestParseSubnet(t *testing.T) {
	tests := []struct {
		subnet, gateway string
		wantGW          string
		wantErr         string
	}{
		{"10.10.0.0/24", "", "10.10.0.1", ""},
		{"10.10.0.0/24", "10.10.0.254", "10.10.0.254", ""},
		{"", "", "", ""},
		{"", "10.0.0.1", "", "--gateway needs --subnet"},
		{"10.10.0.1/24", "", "", "did you mean 10.10.0.0/24"},
		{"10.10.0.0/31", "", "", "too small"},
		{"banana", "", "", "invalid subnet"},
		{"fd00::/64", "", "", "invalid subnet"},
		{"10.10.0.0/24", "10.20.0.1", "", "not a host address"},
		{"10.10.0.0/24", "10.10.0.255", "", "not a host address"},
		// Ranges a bridge must not take (found by QA: all were accepted,
		// and a container on 224.0.0.0/24 could not start).
		{"0.0.0.0/0", "", "", `overlaps 0.0.0.0/8 ("this network")`},
		{"127.0.0.0/8", "", "", "overlaps 127.0.0.0/8 (loopback)"},
		{"169.254.0.0/16", "", "", "overlaps 169.254.0.0/16 (link-local)"},
		{"169.254.169.0/24", "", "", "overlaps 169.254.0.0/16 (link-local)"},
		{"224.0.0.0/24", "", "", "overlaps 224.0.0.0/4 (multicast)"},
		{"255.255.255.0/24", "", "", "overlaps 240.0.0.0/4 (reserved"},
		{"192.0.0.0/2", "", "", "overlaps 224.0.0.0/4 (multicast)"},
		{"100.64.0.0/10", "", "100.64.0.1", ""},
		{"192.168.77.0/24", "", "192.168.77.1", ""},
	}
	for _, tt := range tests {
		_, gw, err := ParseSubnet(tt.subnet, tt.gateway)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseSubnet(%q, %q) error = %v, want it to mention %q", tt.subnet, tt.gateway, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSubnet(%q, %q) error = %v", tt.subnet, tt.gateway, err)
			continue
		}
		if tt.wantGW != "" && gw.String() != tt.wantGW {
			t.Errorf("ParseSubnet(%q, %q) gateway = %v, want %v", tt.subnet, tt.gateway, gw, tt.wantGW)
		}
	}
}

func TestAllocateSkipsReservedAndWraps(t *testing.T) {
	n := &Network{Name: "t", Subnet: netip.MustParsePrefix("10.9.0.0/29"), Gateway: netip.MustParseAddr("10.9.0.1")}
	used := map[netip.Addr]bool{}
	var got []string
	for range 5 {
		a, err := allocate(n, used)
		if err != nil {
			t.Fatalf("allocate: %v", err)
		}
		used[a] = true
		got = append(got, a.String())
	}
	want := "10.9.0.2 10.9.0.3 10.9.0.4 10.9.0.5 10.9.0.6"
	if strings.Join(got, " ") != want {
		t.Errorf("allocations = %v, want %v", got, want)
	}
	if _, err := allocate(n, used); err == nil || !strings.Contains(err.Error(), "no available IPv4 addresses") {
		t.Errorf("allocate on a full network: error = %v, want no available addresses", err)
	}
	// A released address is not reused at once: the next one after the
	// cursor comes first.
	delete(used, netip.MustParseAddr("10.9.0.3"))
	delete(used, netip.MustParseAddr("10.9.0.6"))
	a, _ := allocate(n, used)
	if a.String() != "10.9.0.3" && a.String() != "10.9.0.6" {
		t.Errorf("allocate after release = %v, want a released address", a)
	}
}

func TestPickSubnetAvoidsHostRoutes(t *testing.T) {
	taken := []netip.Prefix{netip.MustParsePrefix("172.17.5.0/24"), netip.MustParsePrefix("172.18.0.0/16")}
	p, err := pickSubnet(taken)
	if err != nil || p.String() != "172.19.0.0/16" {
		t.Errorf("pickSubnet(%v) = %v, %v, want 172.19.0.0/16", taken, p, err)
	}
}

func TestPrefixIsShortAndStable(t *testing.T) {
	a, b := Prefix("/var/lib/dockyard"), Prefix("/var/lib/dockyard/")
	if a != b || len(a) != 6 || Prefix("/tmp/x") == a {
		t.Errorf("Prefix = %q, %q; want equal 6-character prefixes that differ per root", a, b)
	}
}
