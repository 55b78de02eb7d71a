package network

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/miekg/dns"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// The embedded DNS: a responder per container, run by the container's
// monitor. Its sockets are opened inside the container's namespace on
// 127.0.0.11 (InNetNS; port 53 reaches them by DNAT), while its process, and
// so its forwarding to the host's resolvers, stays in the host's
// namespace. Names are answered from the state file on every query, so a
// container started a moment ago resolves at once and a removed one stops
// resolving, with no DNS state to clean up.

// dnsTTL is Docker's TTL for container names.
const dnsTTL = 600

type resolver struct {
	store     *Store
	container string
	upstreams []string
}

// lookup returns the addresses of name as seen by r's container: the
// containers (by name, short ID or alias) on the user-defined networks it
// shares with them. ok is false when the name is not a container's.
func (r *resolver) lookup(name string) (addrs []netip.Addr, ok bool) {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	st, err := r.store.read()
	if err != nil {
		return nil, false
	}
	mine := map[string]bool{}
	for _, ep := range st.Endpoints {
		if ep.Container == r.container {
			if n := st.Networks[ep.Network]; n != nil && n.UserDefined() {
				mine[n.ID] = true
			}
		}
	}
	for _, ep := range endpointsSorted(st) {
		if !mine[ep.Network] {
			continue
		}
		match := strings.EqualFold(ep.ContainerName, name) || strings.EqualFold(ShortID(ep.Container), name)
		for _, a := range ep.Aliases {
			match = match || strings.EqualFold(a, name)
		}
		if match {
			ok = true
			addrs = append(addrs, ep.IP)
		}
	}
	return addrs, ok
}

func endpointsSorted(st *state) []*Endpoint {
	var eps []*Endpoint
	for _, ep := range st.Endpoints {
		eps = append(eps, ep)
	}
	// Stable answers: by container name, then interface.
	for i := 1; i < len(eps); i++ {
		for j := i; j > 0 && eps[j-1].ContainerName+eps[j-1].IfName > eps[j].ContainerName+eps[j].IfName; j-- {
			eps[j-1], eps[j] = eps[j], eps[j-1]
		}
	}
	return eps
}

// ServeDNS answers one query.
func (r *resolver) ServeDNS(w dns.ResponseWriter, q *dns.Msg) {
	if len(q.Question) == 1 {
		qq := q.Question[0]
		if addrs, ok := r.lookup(qq.Name); ok && qq.Qclass == dns.ClassINET {
			m := new(dns.Msg)
			m.SetReply(q)
			m.Authoritative = true
			m.RecursionAvailable = true
			if qq.Qtype == dns.TypeA {
				for _, a := range addrs {
					m.Answer = append(m.Answer, &dns.A{
						Hdr: dns.RR_Header{Name: qq.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: dnsTTL},
						A:   a.AsSlice(),
					})
				}
			}
			w.WriteMsg(m)
			return
		}
	}
	w.WriteMsg(r.forward(q, w.RemoteAddr().Network()))
}

// forward asks the host's resolvers; on failure it answers SERVFAIL.
func (r *resolver) forward(q *dns.Msg, network string) *dns.Msg {
	c := &dns.Client{Net: network, Timeout: 3 * time.Second}
	if network != "tcp" {
		c.Net = "udp"
	}
	for _, up := range r.upstreams {
		resp, _, err := c.Exchange(q, up)
		if err == nil && resp != nil {
			if resp.Truncated && c.Net == "udp" {
				tc := &dns.Client{Net: "tcp", Timeout: 3 * time.Second}
				if full, _, err := tc.Exchange(q, up); err == nil {
					return full
				}
			}
			return resp
		}
	}
	m := new(dns.Msg)
	m.SetRcode(q, dns.RcodeServerFailure)
	return m
}

// testUpstreams replaces the host's resolvers in tests, which must not
// send queries off the machine.
var testUpstreams []string

func hostUpstreams() []string {
	if testUpstreams != nil {
		return testUpstreams
	}
	cfg, err := dns.ClientConfigFromFile(hostResolvConf)
	if err != nil {
		return nil
	}
	var ups []string
	for _, s := range cfg.Servers {
		ups = append(ups, net.JoinHostPort(s, cfg.Port))
	}
	return ups
}

// dnsService opens the responder's sockets inside the namespace at nsPath
// and returns the service answering on them. As Docker's, the sockets are
// on 127.0.0.11 at ports the kernel picks, and a DNAT rule in the
// namespace's own nftables table sends 127.0.0.11:53 to them, so a DNS
// server in the container can still listen on port 53 of any address.
func (s *Store) dnsService(cid, nsPath string) (Service, error) {
	var pc net.PacketConn
	var l net.Listener
	err := InNetNS(nsPath, func() error {
		var err error
		if pc, err = net.ListenPacket("udp4", DNSAddr+":0"); err != nil {
			return err
		}
		if l, err = net.Listen("tcp4", DNSAddr+":0"); err != nil {
			pc.Close()
			return err
		}
		return nil
	})
	if err == nil {
		err = redirectDNS(nsPath, uint16(pc.LocalAddr().(*net.UDPAddr).Port), uint16(l.Addr().(*net.TCPAddr).Port))
		if err != nil {
			pc.Close()
			l.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("embedded dns on %s:53: %w", DNSAddr, err)
	}
	r := &resolver{store: s, container: cid, upstreams: hostUpstreams()}
	return func(ctx context.Context) error {
		udp := &dns.Server{PacketConn: pc, Handler: r}
		tcp := &dns.Server{Listener: l, Handler: r}
		errc := make(chan error, 2)
		go func() { errc <- udp.ActivateAndServe() }()
		go func() { errc <- tcp.ActivateAndServe() }()
		select {
		case <-ctx.Done():
			udp.Shutdown()
			tcp.Shutdown()
			return nil
		case err := <-errc:
			udp.Shutdown()
			tcp.Shutdown()
			return fmt.Errorf("embedded dns: %w", err)
		}
	}, nil
}

// redirectDNS writes the table "dockyard-dns" in the namespace at nsPath:
// in its output hook, 127.0.0.11:53 goes to the responder's UDP and TCP
// ports (conntrack turns the replies' source back into port 53).
func redirectDNS(nsPath string, udpPort, tcpPort uint16) error {
	ns, err := netns.GetFromPath(nsPath)
	if err != nil {
		return err
	}
	defer ns.Close()
	conn, err := nftables.New(nftables.WithNetNSFd(int(ns)))
	if err != nil {
		return err
	}
	t := conn.AddTable(&nftables.Table{Name: "dockyard-dns", Family: nftables.TableFamilyIPv4})
	out := conn.AddChain(&nftables.Chain{
		Name: "output", Table: t, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest,
	})
	dnsIP := net.ParseIP(DNSAddr).To4()
	for _, r := range []struct {
		proto byte
		port  uint16
	}{{unix.IPPROTO_UDP, udpPort}, {unix.IPPROTO_TCP, tcpPort}} {
		conn.AddRule(&nftables.Rule{Table: t, Chain: out, Exprs: []expr.Any{
			// ip daddr 127.0.0.11
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: dnsIP},
			// meta l4proto udp|tcp
			&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{r.proto}},
			// th dport 53
			&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binary.BigEndian.AppendUint16(nil, 53)},
			// dnat to 127.0.0.11:PORT
			&expr.Immediate{Register: 1, Data: dnsIP},
			&expr.Immediate{Register: 2, Data: binary.BigEndian.AppendUint16(nil, r.port)},
			&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2, Specified: true},
		}})
	}
	if err := conn.Flush(); err != nil {
		return fmt.Errorf("nftables in the container's namespace: %w", err)
	}
	return nil
}
