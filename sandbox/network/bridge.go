package network

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// bridgeName names a network's bridge: the store prefix, a dash and eight
// characters of the network ID ("docker0" for the default bridge), at most
// 15 characters as the kernel wants.
func (s *Store) bridgeName(n *Network) string {
	if n.Name == DefaultBridge && n.Predefined {
		return s.prefix + "-docker0"
	}
	return s.prefix + "-" + n.ID[:8]
}

// vethName names the host end of an endpoint's veth pair.
func (s *Store) vethName(epID string) string { return s.prefix + "v" + epID[:8] }

// ensureBridge creates n's bridge with its gateway address if it is
// missing (first use, or after a reboot) and brings it up.
func ensureBridge(n *Network) error {
	_, err := ensureBridgeCreated(n)
	return err
}

// ensureBridgeCreated is ensureBridge, reporting whether the bridge had to
// be made (then the nftables table is likely gone too, as after a reboot).
func ensureBridgeCreated(n *Network) (created bool, err error) {
	link, err := netlink.LinkByName(n.Bridge)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if !errors.As(err, &nf) {
			return false, fmt.Errorf("look up bridge %s: %w", n.Bridge, err)
		}
		br := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: n.Bridge, TxQLen: -1}}
		if err := netlink.LinkAdd(br); err != nil && !errors.Is(err, unix.EEXIST) {
			return false, fmt.Errorf("create bridge %s: %w", n.Bridge, err)
		}
		if link, err = netlink.LinkByName(n.Bridge); err != nil {
			return false, fmt.Errorf("look up bridge %s: %w", n.Bridge, err)
		}
		created = true
	}
	addr := &netlink.Addr{IPNet: ipNet(n.Gateway, n.Subnet.Bits())}
	if err := netlink.AddrAdd(link, addr); err != nil && !errors.Is(err, unix.EEXIST) {
		return created, fmt.Errorf("address %s on bridge %s: %w", addr.IPNet, n.Bridge, err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return created, fmt.Errorf("bring up bridge %s: %w", n.Bridge, err)
	}
	return created, enableForwarding()
}

// enableForwarding turns on IPv4 forwarding, without which nothing leaves a
// bridge (Docker does the same).
func enableForwarding() error {
	const p = "/proc/sys/net/ipv4/ip_forward"
	if b, err := os.ReadFile(p); err == nil && len(b) > 0 && b[0] == '1' {
		return nil
	}
	if err := os.WriteFile(p, []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("enable ip forwarding: %w", err)
	}
	return nil
}

// deleteLink removes a link by name; a missing link is not an error.
func deleteLink(name string) error {
	link, err := netlink.LinkByName(name)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil
		}
		return fmt.Errorf("look up %s: %w", name, err)
	}
	if err := netlink.LinkDel(link); err != nil && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// addVeth creates ep's veth pair with the host end on n's bridge and the
// other end, as ep.IfName, inside the namespace at nsPath, with its
// address, and the default route through n's gateway when defaultRoute.
func addVeth(n *Network, ep *Endpoint, nsPath string, defaultRoute bool) error {
	br, err := netlink.LinkByName(n.Bridge)
	if err != nil {
		return fmt.Errorf("bridge %s of network %s: %w", n.Bridge, n.Name, err)
	}
	h, ns, err := handleAt(nsPath)
	if err != nil {
		return err
	}
	defer ns.Close()
	defer h.Close()
	mac, _ := net.ParseMAC(ep.MAC)
	veth := &netlink.Veth{
		LinkAttrs:        netlink.LinkAttrs{Name: ep.HostVeth, MasterIndex: br.Attrs().Index, TxQLen: -1},
		PeerName:         ep.IfName,
		PeerHardwareAddr: mac,
		PeerNamespace:    netlink.NsFd(ns),
	}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("create veth %s: %w", ep.HostVeth, err)
	}
	if err := netlink.LinkSetUp(veth); err != nil {
		return fmt.Errorf("bring up %s: %w", ep.HostVeth, err)
	}
	peer, err := h.LinkByName(ep.IfName)
	if err != nil {
		return fmt.Errorf("find %s in container: %w", ep.IfName, err)
	}
	if err := h.AddrAdd(peer, &netlink.Addr{IPNet: ipNet(ep.IP, n.Subnet.Bits())}); err != nil {
		return fmt.Errorf("address %s on %s: %w", ep.IP, ep.IfName, err)
	}
	if err := h.LinkSetUp(peer); err != nil {
		return fmt.Errorf("bring up %s: %w", ep.IfName, err)
	}
	if defaultRoute {
		r := &netlink.Route{LinkIndex: peer.Attrs().Index, Gw: n.Gateway.AsSlice()}
		if err := h.RouteAdd(r); err != nil {
			return fmt.Errorf("default route via %s: %w", n.Gateway, err)
		}
	}
	return nil
}

func ipNet(a netip.Addr, bits int) *net.IPNet {
	return &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(bits, 32)}
}

// LinkList lists the host's links. A dump that another process's link
// change interrupted (other engines create veths all the time) is
// ErrDumpInterrupted with a partial list: it is asked again, or a reconcile
// would fail or miss a leftover.
func LinkList() ([]netlink.Link, error) {
	for try := 0; ; try++ {
		links, err := netlink.LinkList()
		if !errors.Is(err, netlink.ErrDumpInterrupted) || try == 20 {
			return links, err
		}
	}
}
