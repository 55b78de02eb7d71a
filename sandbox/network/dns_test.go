package network

import (
	"context"
	"encoding/json"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// The embedded DNS's answers, asked over UDP and TCP by miekg/dns's client
// (the library Docker's embedded DNS is built on), with a miekg/dns server
// on loopback as the host's resolver. The sockets are on loopback here;
// integration_test.go asks the same responder inside a container's
// namespace.

// testResolver serves the embedded DNS of container c1 on loopback: c1 and
// web share a user-defined network, db is on another one. It returns the
// UDP and TCP addresses.
func testResolver(t *testing.T, upstreams []string) (udp, tcp string) {
	t.Helper()
	dir := t.TempDir()
	st := newState()
	st.Networks["n1"] = &Network{ID: "n1", Name: "app", Driver: DriverBridge}
	st.Networks["n2"] = &Network{ID: "n2", Name: "other", Driver: DriverBridge}
	st.Endpoints["e1"] = &Endpoint{ID: "e1", Network: "n1", Container: "c1", ContainerName: "cli", IP: netip.MustParseAddr("10.1.0.2"), IfName: "eth0"}
	st.Endpoints["e2"] = &Endpoint{ID: "e2", Network: "n1", Container: "0123456789abcdef", ContainerName: "web", Aliases: []string{"www"}, IP: netip.MustParseAddr("10.1.0.3"), IfName: "eth0"}
	st.Endpoints["e3"] = &Endpoint{ID: "e3", Network: "n2", Container: "c3", ContainerName: "db", IP: netip.MustParseAddr("10.2.0.2"), IfName: "eth0"}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "state.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &resolver{store: &Store{dir: dir}, container: "c1", upstreams: upstreams}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.serve(ctx, pc, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve after cancel = %v, want nil", err)
		}
	})
	return pc.LocalAddr().String(), l.Addr().String()
}

// testUpstream is a host resolver on loopback: forwarded.example has an
// address, big.example's UDP reply is truncated (its TCP one is whole),
// every other name is NXDOMAIN.
func testUpstream(t *testing.T) string {
	t.Helper()
	handler := func(udp bool) dns.HandlerFunc {
		return func(w dns.ResponseWriter, q *dns.Msg) {
			m := new(dns.Msg)
			m.SetReply(q)
			switch q.Question[0].Name {
			case "forwarded.example.":
				rr, _ := dns.NewRR("forwarded.example. 60 IN A 192.0.2.123")
				m.Answer = append(m.Answer, rr)
			case "big.example.":
				if udp {
					m.Truncated = true
				} else {
					rr, _ := dns.NewRR("big.example. 60 IN A 192.0.2.7")
					m.Answer = append(m.Answer, rr)
				}
			default:
				m.Rcode = dns.RcodeNameError
			}
			w.WriteMsg(m)
		}
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp4", pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	udp := &dns.Server{PacketConn: pc, Handler: handler(true)}
	tcp := &dns.Server{Listener: l, Handler: handler(false)}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })
	return pc.LocalAddr().String()
}

func TestEmbeddedDNSAnswers(t *testing.T) {
	udp, tcp := testResolver(t, []string{testUpstream(t)})
	tests := []struct {
		name  string
		qtype uint16
		rcode int
		auth  bool
		want  []string // the answers' addresses
	}{
		{"web", dns.TypeA, dns.RcodeSuccess, true, []string{"10.1.0.3"}},
		{"WWW.", dns.TypeA, dns.RcodeSuccess, true, []string{"10.1.0.3"}},
		{"0123456789ab", dns.TypeA, dns.RcodeSuccess, true, []string{"10.1.0.3"}},
		{"web", dns.TypeAAAA, dns.RcodeSuccess, true, nil},
		{"forwarded.example", dns.TypeA, dns.RcodeSuccess, false, []string{"192.0.2.123"}},
		{"big.example", dns.TypeA, dns.RcodeSuccess, false, []string{"192.0.2.7"}},
		{"nothing.example", dns.TypeA, dns.RcodeNameError, false, nil},
		// Another network's container is not c1's to see: forwarded.
		{"db", dns.TypeA, dns.RcodeNameError, false, nil},
	}
	for _, network := range []string{"udp", "tcp"} {
		addr := udp
		if network == "tcp" {
			addr = tcp
		}
		for _, tt := range tests {
			q := new(dns.Msg)
			q.SetQuestion(dns.Fqdn(tt.name), tt.qtype)
			c := &dns.Client{Net: network, Timeout: 3 * time.Second}
			resp, _, err := c.Exchange(q, addr)
			if err != nil {
				t.Errorf("%s %s %s: %v", network, tt.name, dns.TypeToString[tt.qtype], err)
				continue
			}
			var got []string
			for _, rr := range resp.Answer {
				if a, ok := rr.(*dns.A); ok {
					got = append(got, a.A.String())
					if rr.Header().Name != dns.Fqdn(tt.name) {
						t.Errorf("%s %s: answer for %q, want the name as asked", network, tt.name, rr.Header().Name)
					}
				}
			}
			if resp.Rcode != tt.rcode || resp.Authoritative != tt.auth || len(got) != len(tt.want) || len(got) > 0 && got[0] != tt.want[0] {
				t.Errorf("%s %s %s = %s authoritative %v %q, want %s %v %q", network, tt.name, dns.TypeToString[tt.qtype],
					dns.RcodeToString[resp.Rcode], resp.Authoritative, got, dns.RcodeToString[tt.rcode], tt.auth, tt.want)
			}
			if len(resp.Question) != 1 || resp.Question[0] != q.Question[0] {
				t.Errorf("%s %s: question %v in the reply, want %v", network, tt.name, resp.Question, q.Question)
			}
		}
	}
}

func TestEmbeddedDNSRefusesAndFails(t *testing.T) {
	// No resolver listens on the upstream's port: SERVFAIL.
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := pc.LocalAddr().String()
	pc.Close()
	udp, _ := testResolver(t, []string{dead})
	c := &dns.Client{Timeout: 5 * time.Second}

	q := new(dns.Msg)
	q.SetQuestion("elsewhere.example.", dns.TypeA)
	if resp, _, err := c.Exchange(q, udp); err != nil || resp.Rcode != dns.RcodeServerFailure || len(resp.Question) != 1 {
		t.Errorf("query with no upstream = %v, %v, want SERVFAIL with the question", resp, err)
	}

	two := new(dns.Msg)
	two.SetQuestion("web.", dns.TypeA)
	two.Question = append(two.Question, dns.Question{Name: "www.", Qtype: dns.TypeA, Qclass: dns.ClassINET})
	if resp, _, err := c.Exchange(two, udp); err != nil || resp.Rcode != dns.RcodeFormatError || len(resp.Answer) != 0 {
		t.Errorf("two questions = %v, %v, want FORMERR", resp, err)
	}

	status := new(dns.Msg)
	status.SetQuestion("web.", dns.TypeA)
	status.Opcode = dns.OpcodeStatus
	if resp, _, err := c.Exchange(status, udp); err != nil || resp.Rcode != dns.RcodeNotImplemented {
		t.Errorf("opcode STATUS = %v, %v, want NOTIMP", resp, err)
	}
}
