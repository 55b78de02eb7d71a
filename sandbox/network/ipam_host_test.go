package network

import (
	"net/netip"
	"os"
	"testing"

	"github.com/vishvananda/netlink"
)

// A bridge that is down has no route, but its subnet is still taken: another
// state root must not be given the same one.
func TestHostPrefixesIncludeAddressesOfDownLinks(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	link := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: "dytestdown0"}}
	if err := netlink.LinkAdd(link); err != nil {
		t.Fatalf("add bridge: %v", err)
	}
	t.Cleanup(func() { _ = netlink.LinkDel(link) })
	addr, err := netlink.ParseAddr("198.18.7.1/24")
	if err != nil {
		t.Fatal(err)
	}
	if err := netlink.AddrAdd(link, addr); err != nil {
		t.Fatalf("add address: %v", err)
	}

	got, err := hostPrefixes()
	if err != nil {
		t.Fatalf("hostPrefixes() error = %v", err)
	}
	want := netip.MustParsePrefix("198.18.7.0/24")
	for _, p := range got {
		if p == want {
			return
		}
	}
	t.Errorf("hostPrefixes() = %v, want it to contain %v (the down link's subnet)", got, want)
}
