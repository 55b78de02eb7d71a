package network

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/resolvconf"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/vishvananda/netns"
	"golang.org/x/net/dns/dnsmessage"
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

// dnsTimeout bounds an exchange with a host resolver, and how long a TCP
// client may stay silent between its queries.
const dnsTimeout = 3 * time.Second

// answer returns the reply to the query q that arrived over network ("udp"
// or "tcp"), or nil for a message that is to be dropped. A query for a
// container's name is answered from the state; any other is forwarded to
// the host's resolvers. As miekg/dns's server (which Docker's embedded DNS
// is built on), a message that is not one query is refused with FORMERR,
// an opcode other than QUERY or NOTIFY with NOTIMP, and responses and
// unreadable headers are dropped.
func (r *resolver) answer(q []byte, network string) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(q)
	if err != nil || h.Response {
		return nil
	}
	if h.OpCode != 0 && h.OpCode != 4 { // QUERY, NOTIFY
		return reply(h, dnsmessage.RCodeNotImplemented, nil)
	}
	// QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT (RFC 1035 4.1.1).
	count := func(i int) uint16 { return binary.BigEndian.Uint16(q[4+2*i:]) }
	if count(0) != 1 || count(1) > 1 || count(2) > 1 || count(3) > 2 {
		return reply(h, dnsmessage.RCodeFormatError, nil)
	}
	qq, err := p.Question()
	if err != nil {
		return reply(h, dnsmessage.RCodeFormatError, nil)
	}
	if addrs, ok := r.lookup(qq.Name.String()); ok && qq.Class == dnsmessage.ClassINET {
		rh := replyHeader(h, dnsmessage.RCodeSuccess)
		rh.Authoritative, rh.RecursionAvailable = true, true
		b := dnsmessage.NewBuilder(nil, rh)
		b.EnableCompression()
		b.StartQuestions()
		b.Question(qq)
		b.StartAnswers()
		for _, a := range addrs {
			if a = a.Unmap(); qq.Type == dnsmessage.TypeA && a.Is4() {
				b.AResource(dnsmessage.ResourceHeader{Name: qq.Name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET, TTL: dnsTTL},
					dnsmessage.AResource{A: a.As4()})
			}
		}
		m, _ := b.Finish()
		return m
	}
	return r.forward(q, h, qq, network)
}

// forward asks the host's resolvers; on failure it answers SERVFAIL. A
// reply truncated over UDP is asked for again over TCP.
func (r *resolver) forward(q []byte, h dnsmessage.Header, qq dnsmessage.Question, network string) []byte {
	if network != "tcp" {
		network = "udp"
	}
	for _, up := range r.upstreams {
		resp, err := exchange(network, up, q, h.ID)
		if err != nil {
			continue
		}
		var p dnsmessage.Parser
		if rh, err := p.Start(resp); err == nil && rh.Truncated && network == "udp" {
			if full, err := exchange("tcp", up, q, h.ID); err == nil {
				return full
			}
		}
		return resp
	}
	return reply(h, dnsmessage.RCodeServerFailure, &qq)
}

// exchange sends the query q to the resolver at addr and returns its reply.
func exchange(network, addr string, q []byte, id uint16) ([]byte, error) {
	c, err := net.DialTimeout(network, addr, dnsTimeout)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(dnsTimeout))
	var resp []byte
	if network == "tcp" {
		if _, err := c.Write(tcpMsg(q)); err != nil {
			return nil, err
		}
		if resp, err = readTCPMsg(c); err != nil {
			return nil, err
		}
	} else {
		if _, err := c.Write(q); err != nil {
			return nil, err
		}
		buf := make([]byte, 65535)
		n, err := c.Read(buf)
		if err != nil {
			return nil, err
		}
		resp = buf[:n]
	}
	var p dnsmessage.Parser
	if rh, err := p.Start(resp); err != nil || !rh.Response || rh.ID != id {
		return nil, fmt.Errorf("dns: no reply to query %d from %s", id, addr)
	}
	return resp, nil
}

// tcpMsg is m as it goes over TCP: after its two-byte length.
func tcpMsg(m []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(m))), m...)
}

// readTCPMsg reads one DNS message from a TCP stream: a two-byte length,
// then the message (RFC 1035 4.2.2).
func readTCPMsg(c io.Reader) ([]byte, error) {
	var n [2]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		return nil, err
	}
	m := make([]byte, binary.BigEndian.Uint16(n[:]))
	if _, err := io.ReadFull(c, m); err != nil {
		return nil, err
	}
	return m, nil
}

// replyHeader is the header of the reply to a query with header h, as
// miekg/dns's SetReply: its ID and opcode, and for a QUERY its RD and CD
// bits.
func replyHeader(h dnsmessage.Header, rcode dnsmessage.RCode) dnsmessage.Header {
	rh := dnsmessage.Header{ID: h.ID, Response: true, OpCode: h.OpCode, RCode: rcode}
	if h.OpCode == 0 {
		rh.RecursionDesired, rh.CheckingDisabled = h.RecursionDesired, h.CheckingDisabled
	}
	return rh
}

// reply is a reply with no records: rcode, and the question if there is one.
func reply(h dnsmessage.Header, rcode dnsmessage.RCode, qq *dnsmessage.Question) []byte {
	b := dnsmessage.NewBuilder(nil, replyHeader(h, rcode))
	b.StartQuestions()
	if qq != nil {
		b.Question(*qq)
	}
	m, _ := b.Finish()
	return m
}

// serve answers the queries arriving on pc and l until ctx is done, or one
// of them fails.
func (r *resolver) serve(ctx context.Context, pc net.PacketConn, l net.Listener) error {
	var mu sync.Mutex
	conns := map[net.Conn]bool{}
	errc := make(chan error, 2)
	go func() {
		buf := make([]byte, 65535)
		for {
			n, addr, err := pc.ReadFrom(buf)
			if err != nil {
				errc <- err
				return
			}
			q := bytes.Clone(buf[:n])
			go func() {
				if m := r.answer(q, "udp"); m != nil {
					pc.WriteTo(m, addr)
				}
			}()
		}
	}()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				errc <- err
				return
			}
			mu.Lock()
			conns[c] = true
			mu.Unlock()
			go func() {
				r.serveTCP(c)
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
			}()
		}
	}()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
		err = fmt.Errorf("embedded dns: %w", err)
	}
	pc.Close()
	l.Close()
	mu.Lock()
	for c := range conns {
		c.Close()
	}
	mu.Unlock()
	return err
}

// serveTCP answers the queries of one TCP client until it goes quiet.
func (r *resolver) serveTCP(c net.Conn) {
	defer c.Close()
	for {
		c.SetReadDeadline(time.Now().Add(dnsTimeout))
		q, err := readTCPMsg(c)
		if err != nil {
			return
		}
		m := r.answer(q, "tcp")
		if m == nil {
			return
		}
		c.SetWriteDeadline(time.Now().Add(dnsTimeout))
		if _, err := c.Write(tcpMsg(m)); err != nil {
			return
		}
	}
}

// testUpstreams replaces the host's resolvers in tests, which must not
// send queries off the machine.
var testUpstreams []string

func hostUpstreams() []string {
	if testUpstreams != nil {
		return testUpstreams
	}
	cfg, err := resolvconf.Read(hostResolvConf)
	if err != nil {
		return nil
	}
	var ups []string
	for _, s := range cfg.Nameservers {
		ups = append(ups, net.JoinHostPort(s, "53"))
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
	return func(ctx context.Context) error { return r.serve(ctx, pc, l) }, nil
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
