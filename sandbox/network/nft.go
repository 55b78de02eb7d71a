package network

import (
	"fmt"
	"net"
	"sort"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// tableName is this store's nftables table ("dockyard-dy5c1e"); nothing
// else of ours lives in the host's ruleset.
func (s *Store) tableName() string { return "dockyard-" + s.prefix }

// syncNFT rewrites this store's nftables table from the networks in st in
// one netlink transaction: masquerade for traffic leaving each non-internal
// bridge, no forwarding between two of our bridges (Docker's isolation),
// and nothing in or out of an internal network's bridge. With no bridge
// networks left the table is deleted.
func (s *Store) syncNFT(st *state) error {
	conn, err := nftables.New()
	if err != nil {
		return fmt.Errorf("nftables: %w", err)
	}
	t := &nftables.Table{Name: s.tableName(), Family: nftables.TableFamilyIPv4}
	// Add then delete: removes the table whether or not it existed, in the
	// same transaction as the rebuild below.
	conn.AddTable(t)
	conn.DelTable(t)

	var nets []*Network
	for _, n := range st.Networks {
		if n.Driver == DriverBridge && n.Bridge != "" {
			nets = append(nets, n)
		}
	}
	sort.Slice(nets, func(i, j int) bool { return nets[i].Bridge < nets[j].Bridge })
	if len(nets) > 0 {
		conn.AddTable(t)
		post := conn.AddChain(&nftables.Chain{
			Name: "postrouting", Table: t, Type: nftables.ChainTypeNAT,
			Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource,
		})
		accept := nftables.ChainPolicyAccept
		fwd := conn.AddChain(&nftables.Chain{
			Name: "forward", Table: t, Type: nftables.ChainTypeFilter,
			Hooknum: nftables.ChainHookForward, Priority: nftables.ChainPriorityFilter, Policy: &accept,
		})
		for _, n := range nets {
			if n.Internal {
				// iifname BR oifname != BR drop; oifname BR iifname != BR drop
				conn.AddRule(&nftables.Rule{Table: t, Chain: fwd, Exprs: cat(
					ifname(expr.MetaKeyIIFNAME, expr.CmpOpEq, n.Bridge, false),
					ifname(expr.MetaKeyOIFNAME, expr.CmpOpNeq, n.Bridge, false),
					drop())})
				conn.AddRule(&nftables.Rule{Table: t, Chain: fwd, Exprs: cat(
					ifname(expr.MetaKeyOIFNAME, expr.CmpOpEq, n.Bridge, false),
					ifname(expr.MetaKeyIIFNAME, expr.CmpOpNeq, n.Bridge, false),
					drop())})
				continue
			}
			// iifname BR oifname "PREFIX-*" oifname != BR drop
			conn.AddRule(&nftables.Rule{Table: t, Chain: fwd, Exprs: cat(
				ifname(expr.MetaKeyIIFNAME, expr.CmpOpEq, n.Bridge, false),
				ifname(expr.MetaKeyOIFNAME, expr.CmpOpEq, s.prefix+"-", true),
				ifname(expr.MetaKeyOIFNAME, expr.CmpOpNeq, n.Bridge, false),
				drop())})
			// ip saddr SUBNET oifname != BR masquerade
			conn.AddRule(&nftables.Rule{Table: t, Chain: post, Exprs: cat(
				saddrIn(n),
				ifname(expr.MetaKeyOIFNAME, expr.CmpOpNeq, n.Bridge, false),
				[]expr.Any{&expr.Masq{}})})
		}
	}
	if err := conn.Flush(); err != nil {
		return fmt.Errorf("nftables table %s: %w", s.tableName(), err)
	}
	return nil
}

// hasNFT reports whether this store's nftables table exists.
func (s *Store) hasNFT() bool {
	conn, err := nftables.New()
	if err != nil {
		return false
	}
	_, err = conn.ListTableOfFamily(s.tableName(), nftables.TableFamilyIPv4)
	return err == nil
}

// deleteNFT removes this store's table, if any.
func (s *Store) deleteNFT() error {
	return s.syncNFT(newState())
}

func cat(parts ...[]expr.Any) []expr.Any {
	var out []expr.Any
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// ifname matches an interface name; with prefix, only its first bytes (as
// nft's "dy5c1e-*").
func ifname(key expr.MetaKey, op expr.CmpOp, name string, prefix bool) []expr.Any {
	data := []byte(name)
	if !prefix {
		data = make([]byte, unix.IFNAMSIZ)
		copy(data, name)
	}
	return []expr.Any{
		&expr.Meta{Key: key, Register: 1},
		&expr.Cmp{Op: op, Register: 1, Data: data},
	}
}

// saddrIn matches IPv4 source addresses inside n's subnet.
func saddrIn(n *Network) []expr.Any {
	p := n.Subnet.Masked()
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: net.CIDRMask(p.Bits(), 32), Xor: []byte{0, 0, 0, 0}},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.Addr().AsSlice()},
	}
}

func drop() []expr.Any { return []expr.Any{&expr.Verdict{Kind: expr.VerdictDrop}} }
