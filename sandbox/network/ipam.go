package network

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
)

// defaultPools are Docker's default address pools: 172.17.0.0/16 for the
// default bridge, then 172.18-31.0.0/16, then 192.168.0.0/16 in /20 blocks.
func defaultPools() []netip.Prefix {
	var ps []netip.Prefix
	for i := 17; i <= 31; i++ {
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(i), 0, 0}), 16))
	}
	for i := 0; i < 256; i += 16 {
		ps = append(ps, netip.PrefixFrom(netip.AddrFrom4([4]byte{192, 168, byte(i), 0}), 20))
	}
	return ps
}

// hostPrefixes returns the IPv4 destinations of the host's routes (all
// tables), the default route excluded, and the subnets of every address on
// the host's links. Bridges of other state roots show up here, which keeps
// two roots off the same subnet; the addresses matter for a bridge that is
// down, since a link that is down has no route.
func hostPrefixes() ([]netip.Prefix, error) {
	routes, err := netlink.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: 0}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return nil, fmt.Errorf("list host routes: %w", err)
	}
	var ps []netip.Prefix
	for _, r := range routes {
		if r.Dst == nil {
			continue
		}
		p, ok := prefixOf(r.Dst)
		if !ok || p.Bits() == 0 {
			continue
		}
		ps = append(ps, p)
	}
	addrs, err := netlink.AddrList(nil, netlink.FAMILY_V4)
	if err != nil {
		return nil, fmt.Errorf("list host addresses: %w", err)
	}
	for _, a := range addrs {
		if a.IPNet == nil {
			continue
		}
		if p, ok := prefixOf(a.IPNet); ok && p.Bits() > 0 && !p.Addr().IsLoopback() {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

func prefixOf(n *net.IPNet) (netip.Prefix, bool) {
	a, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(a.Unmap(), ones).Masked(), true
}

// pickSubnet returns the first default pool that overlaps neither taken nor
// the host's routes.
func pickSubnet(taken []netip.Prefix) (netip.Prefix, error) {
	for _, p := range defaultPools() {
		if !overlapsAny(p, taken) {
			return p, nil
		}
	}
	return netip.Prefix{}, errors.New("all predefined address pools are in use: remove unused networks (docker network prune) or give --subnet")
}

func overlapsAny(p netip.Prefix, others []netip.Prefix) bool {
	for _, o := range others {
		if p.Overlaps(o) {
			return true
		}
	}
	return false
}

// allocate hands out the next free address of n after n.NextIP, skipping
// the network address, the gateway and the broadcast address; used holds the
// addresses of n's endpoints. It moves NextIP on, so an address just
// released is handed out again only after the pool wrapped around.
func allocate(n *Network, used map[netip.Addr]bool) (netip.Addr, error) {
	first := n.Subnet.Masked().Addr().Next()
	last := lastAddr(n.Subnet)
	start := n.NextIP
	if !start.IsValid() || !n.Subnet.Contains(start) || start == n.Subnet.Masked().Addr() || start == last {
		start = first
	}
	a := start
	for {
		if a != n.Gateway && !used[a] {
			next := a.Next()
			if next == last || !n.Subnet.Contains(next) {
				next = first
			}
			n.NextIP = next
			return a, nil
		}
		a = a.Next()
		if a == last || !n.Subnet.Contains(a) {
			a = first
		}
		if a == start {
			return netip.Addr{}, fmt.Errorf("no available IPv4 addresses on network %s (%s): remove containers from it or create a network with a larger --subnet", n.Name, n.Subnet)
		}
	}
}

// lastAddr is the broadcast address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	v |= host
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// macFor derives a MAC address from an IPv4 address as Docker does
// (02:42 followed by the address).
func macFor(a netip.Addr) net.HardwareAddr {
	b := a.As4()
	return net.HardwareAddr{0x02, 0x42, b[0], b[1], b[2], b[3]}
}

// reservedRanges are IPv4 ranges no bridge may use (RFC 6890): taking one
// would give containers addresses that cannot work (multicast, the
// reserved class E, "this network") or reroute the host's own traffic
// (loopback; link-local, where cloud machines reach their metadata service).
var reservedRanges = []struct {
	prefix netip.Prefix
	what   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), `"this network"`},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved, and the broadcast address"},
}

// ParseSubnet parses --subnet and --gateway for a new network, checking
// that the gateway lies inside the subnet and is usable.
func ParseSubnet(subnet, gateway string) (netip.Prefix, netip.Addr, error) {
	var p netip.Prefix
	var gw netip.Addr
	if subnet == "" {
		if gateway != "" {
			return p, gw, errors.New("--gateway needs --subnet: give both, e.g. --subnet 10.10.0.0/24 --gateway 10.10.0.1")
		}
		return p, gw, nil
	}
	p, err := netip.ParsePrefix(subnet)
	if err != nil || !p.Addr().Is4() {
		return p, gw, fmt.Errorf("invalid subnet %q: give an IPv4 CIDR such as 10.10.0.0/24", subnet)
	}
	if p.Bits() > 30 {
		return p, gw, fmt.Errorf("subnet %s is too small: give a prefix of /30 or shorter", subnet)
	}
	if p.Masked() != p {
		return p, gw, fmt.Errorf("invalid subnet %s: the address has host bits set; did you mean %s?", subnet, p.Masked())
	}
	for _, r := range reservedRanges {
		if r.prefix.Overlaps(p) {
			return p, gw, fmt.Errorf("subnet %s overlaps %s (%s), which a bridge must not take: use a private range such as 10.10.0.0/24 or 172.30.0.0/16", subnet, r.prefix, r.what)
		}
	}
	if gateway == "" {
		return p, p.Addr().Next(), nil
	}
	gw, err = netip.ParseAddr(gateway)
	if err != nil || !gw.Is4() {
		return p, gw, fmt.Errorf("invalid gateway %q: give an IPv4 address inside %s", gateway, p)
	}
	if !p.Contains(gw) || gw == p.Addr() || gw == lastAddr(p) {
		return p, gw, fmt.Errorf("gateway %s is not a host address of subnet %s: choose one inside it", gw, p)
	}
	return p, gw, nil
}
