package network

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/nftables"
	"github.com/miekg/dns"
	"github.com/vishvananda/netlink"
)

// TestMain doubles as a helper process for the cross-process IPAM test:
// with DOCKYARD_NET_HELPER=<root>:<n> it attaches n containers in parallel
// and prints their addresses.
func TestMain(m *testing.M) {
	if h := os.Getenv("DOCKYARD_NET_HELPER"); h != "" {
		root, n, _ := strings.Cut(h, ":")
		var count int
		fmt.Sscan(n, &count)
		os.Exit(attachMany(root, count))
	}
	os.Exit(m.Run())
}

func attachMany(root string, count int) int {
	s, err := Open(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	code := 0
	for range count {
		wg.Go(func() {
			id := randomID()
			att, err := s.Attach(context.Background(), AttachRequest{Container: id, Name: "c" + id[:8]})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				code = 1
				return
			}
			fmt.Println(att.Endpoints[0].IP)
		})
	}
	wg.Wait()
	return code
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// newTestStore opens a store on a temporary root and checks, at the end,
// that Teardown left no link, netns or nftables table behind.
func newTestStore(t *testing.T) *Store {
	t.Helper()
	needRoot(t)
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Teardown(context.Background()); err != nil {
			t.Errorf("Teardown: %v", err)
		}
		assertNothingLeft(t, s)
	})
	return s
}

func assertNothingLeft(t *testing.T, s *Store) {
	t.Helper()
	links, _ := netlink.LinkList()
	for _, l := range links {
		if strings.HasPrefix(l.Attrs().Name, s.prefix) {
			t.Errorf("link %s left behind", l.Attrs().Name)
		}
	}
	if hasTable(t, s) {
		t.Errorf("nftables table %s left behind", s.tableName())
	}
	if ns, _ := os.ReadDir(filepath.Join(s.dir, "netns")); len(ns) > 0 {
		t.Errorf("netns files left behind: %v", ns)
	}
}

func hasTable(t *testing.T, s *Store) bool {
	conn, err := nftables.New()
	if err != nil {
		t.Fatal(err)
	}
	tables, err := conn.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if tb.Name == s.tableName() {
			return true
		}
	}
	return false
}

func linkExists(name string) bool {
	_, err := netlink.LinkByName(name)
	return err == nil
}

// linkGone waits for the kernel to destroy a link whose namespace was
// released (that cleanup runs asynchronously) and reports whether it went.
func linkGone(name string) bool {
	for range 200 {
		if !linkExists(name) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

func attach(t *testing.T, s *Store, name string, req AttachRequest) *Attachment {
	t.Helper()
	req.Container, req.Name = randomID(), name
	att, err := s.Attach(context.Background(), req)
	if err != nil {
		t.Fatalf("Attach(%s): %v", name, err)
	}
	return att
}

// serveHTTP answers "hello from NAME" on port 80 inside the namespace
// until the test ends or stop is called.
func serveHTTP(t *testing.T, nsPath, name string) (stop func()) {
	t.Helper()
	var l net.Listener
	err := InNetNS(nsPath, func() (err error) {
		l, err = net.Listen("tcp4", ":80")
		return err
	})
	if err != nil {
		t.Fatalf("listen in %s: %v", nsPath, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "hello from %s", name)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return func() { srv.Close() }
}

// get fetches http://addr/ from inside the namespace (the host's when
// nsPath is empty).
func get(nsPath, addr string) (string, error) {
	var conn net.Conn
	dial := func() (err error) {
		conn, err = net.DialTimeout("tcp4", addr, 2*time.Second)
		return err
	}
	var err error
	if nsPath == "" {
		err = dial()
	} else {
		err = InNetNS(nsPath, dial)
	}
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "GET / HTTP/1.0\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// runServices starts a container's services until the test ends or stop
// is called, as the container's monitor does.
func runServices(t *testing.T, s *Store, cid string) (stop func()) {
	t.Helper()
	svcs, err := s.Services(cid)
	if err != nil {
		t.Fatalf("Services: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, svc := range svcs {
		wg.Go(func() { svc(ctx) })
	}
	stop = func() { cancel(); wg.Wait() }
	t.Cleanup(stop)
	return stop
}

func TestDefaultNetworks(t *testing.T) {
	s := newTestStore(t)
	infos, err := s.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, in := range infos {
		names = append(names, in.Name+"/"+in.Driver)
	}
	if got, want := strings.Join(names, " "), "bridge/bridge host/host none/null"; got != want {
		t.Errorf("List() = %s, want %s", got, want)
	}
	br, _ := s.Inspect(context.Background(), "bridge")
	if br.Bridge != s.prefix+"-docker0" || !linkExists(br.Bridge) {
		t.Errorf("default bridge link %q missing", br.Bridge)
	}
	if !hasTable(t, s) {
		t.Errorf("nftables table %s missing", s.tableName())
	}
	if _, err := s.Remove(context.Background(), "bridge"); err == nil || !strings.Contains(err.Error(), "pre-defined") {
		t.Errorf("Remove(bridge) error = %v, want pre-defined", err)
	}
}

func TestCreateErrors(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	n, err := s.Create(ctx, CreateOptions{Name: "my-net", Subnet: "10.231.0.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	if n.Gateway.String() != "10.231.0.1" || !linkExists(n.Bridge) {
		t.Errorf("Create: gateway %v, bridge %s exists %v", n.Gateway, n.Bridge, linkExists(n.Bridge))
	}
	tests := []struct {
		opts CreateOptions
		want string
	}{
		{CreateOptions{Name: "my-net"}, "already exists"},
		{CreateOptions{Name: "other", Subnet: "10.231.0.128/25"}, "overlaps"},
		{CreateOptions{Name: "ov", Driver: "overlay"}, "multi-host cluster"},
		{CreateOptions{Name: "mv", Driver: "macvlan"}, "not supported"},
		{CreateOptions{Name: "-bad"}, "invalid network name"},
	}
	for _, tt := range tests {
		if _, err := s.Create(ctx, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Create(%+v) error = %v, want %q", tt.opts, err, tt.want)
		}
	}
	// The host's own routes are off limits too.
	routes, _ := hostPrefixes()
	for _, r := range routes {
		if r.Bits() >= 8 && r.Bits() <= 30 && r.Addr().Is4() && !r.Addr().IsLoopback() {
			if _, err := s.Create(ctx, CreateOptions{Name: "clash", Subnet: r.String()}); err == nil || !errors.Is(err, ErrOverlap) {
				t.Errorf("Create over host route %s: error = %v, want overlap", r, err)
			}
			break
		}
	}
	if _, err := s.Remove(ctx, "my-net"); err != nil {
		t.Fatal(err)
	}
	if linkExists(n.Bridge) {
		t.Errorf("bridge %s left after network rm", n.Bridge)
	}
	if _, err := s.Remove(ctx, "my-net"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Remove twice: error = %v, want not found", err)
	}
}

// The seed's example: two containers on my-bridge-network, one reaches the
// other by name through the embedded DNS; on the default bridge names do not
// resolve.
func TestUserBridgeNamesAndDefaultBridgeIsolation(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	fakeUpstream(t)
	if _, err := s.Create(ctx, CreateOptions{Name: "my-bridge-network"}); err != nil {
		t.Fatal(err)
	}
	onNet := []EndpointRequest{{Network: "my-bridge-network"}}
	web := attach(t, s, "web1", AttachRequest{Networks: []EndpointRequest{{Network: "my-bridge-network", Aliases: []string{"site"}}}})
	cli := attach(t, s, "web2", AttachRequest{Networks: onNet})
	stopWeb := serveHTTP(t, web.NetNS, "web1")
	stopCli := runServices(t, s, cli.Endpoints[0].Container)

	for _, name := range []string{"web1", "site", ShortID(web.Endpoints[0].Container)} {
		ip := resolve(t, cli.NetNS, name)
		if ip != web.Endpoints[0].IP.String() {
			t.Errorf("resolve %q in web2 = %q, want %s", name, ip, web.Endpoints[0].IP)
			continue
		}
		body, err := get(cli.NetNS, ip+":80")
		if err != nil || body != "hello from web1" {
			t.Errorf("GET http://%s/ from web2 = %q, %v, want hello from web1", name, body, err)
		}
	}
	if got := resolve(t, cli.NetNS, "forwarded.example"); got != "192.0.2.123" {
		t.Errorf("resolve forwarded.example = %q, want the host resolver's answer 192.0.2.123", got)
	}
	rc, _ := os.ReadFile(cli.ResolvConf)
	if !strings.Contains(string(rc), "nameserver 127.0.0.11") {
		t.Errorf("resolv.conf on a user-defined network = %q, want nameserver 127.0.0.11", rc)
	}

	// Default bridge: reachable by address, not by name.
	a := attach(t, s, "plain1", AttachRequest{})
	b := attach(t, s, "plain2", AttachRequest{})
	serveHTTP(t, a.NetNS, "plain1")
	runServices(t, s, b.Endpoints[0].Container)
	if got := resolve(t, b.NetNS, "plain1"); got != "" {
		t.Errorf("resolve plain1 on the default bridge = %q, want no answer", got)
	}
	if body, err := get(b.NetNS, a.Endpoints[0].IP.String()+":80"); err != nil || body != "hello from plain1" {
		t.Errorf("GET plain1 by address = %q, %v", body, err)
	}
	// Isolation: the default bridge cannot reach my-bridge-network.
	if _, err := get(b.NetNS, web.Endpoints[0].IP.String()+":80"); err == nil {
		t.Errorf("default bridge reached a container on my-bridge-network: isolation missing")
	}
	rc, _ = os.ReadFile(b.ResolvConf)
	if strings.Contains(string(rc), "127.0.0.11") {
		t.Errorf("resolv.conf on the default bridge = %q, want the host's resolvers", rc)
	}

	// connect puts plain2 on the network: now it resolves web1.
	if err := s.Connect(ctx, b.Endpoints[0].Container, EndpointRequest{Network: "my-bridge-network"}); err != nil {
		t.Fatal(err)
	}
	if got := resolve(t, b.NetNS, "web1"); got != web.Endpoints[0].IP.String() {
		t.Errorf("after connect, resolve web1 = %q, want %s", got, web.Endpoints[0].IP)
	}
	if _, err := s.Remove(ctx, "my-bridge-network"); !errors.Is(err, ErrInUse) {
		t.Errorf("Remove of a network in use: error = %v, want in use", err)
	}
	if err := s.Disconnect(ctx, b.Endpoints[0].Container, "my-bridge-network"); err != nil {
		t.Fatal(err)
	}
	if got := resolve(t, b.NetNS, "web1"); got != "" {
		t.Errorf("after disconnect, resolve web1 = %q, want no answer", got)
	}
	// As a monitor does: the container's sockets close, then it detaches.
	stopWeb()
	stopCli()
	for _, att := range []*Attachment{web, cli} {
		if err := s.Detach(ctx, att.Endpoints[0].Container); err != nil {
			t.Fatal(err)
		}
		if !linkGone(att.Endpoints[0].HostVeth) {
			t.Errorf("veth %s left after Detach", att.Endpoints[0].HostVeth)
		}
	}
	if _, err := s.Remove(ctx, "my-bridge-network"); err != nil {
		t.Errorf("Remove after the containers left: %v", err)
	}
}

// fakeUpstream points the embedded DNS at a resolver on loopback that
// answers forwarded.example with 192.0.2.123.
func fakeUpstream(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		if q.Question[0].Name == "forwarded.example." && q.Question[0].Qtype == dns.TypeA {
			rr, _ := dns.NewRR("forwarded.example. 60 IN A 192.0.2.123")
			m.Answer = append(m.Answer, rr)
		} else {
			m.Rcode = dns.RcodeNameError
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	testUpstreams = []string{pc.LocalAddr().String()}
	t.Cleanup(func() { testUpstreams = nil })
}

// resolve asks 127.0.0.11 inside the namespace for name's A record; ""
// when there is none.
func resolve(t *testing.T, nsPath, name string) string {
	t.Helper()
	var resp *dns.Msg
	err := InNetNS(nsPath, func() error {
		q := new(dns.Msg)
		q.SetQuestion(dns.Fqdn(name), dns.TypeA)
		c := &dns.Client{Timeout: 3 * time.Second}
		var err error
		resp, _, err = c.Exchange(q, DNSAddr+":53")
		return err
	})
	if err != nil {
		t.Fatalf("query %s in %s: %v", name, nsPath, err)
	}
	for _, rr := range resp.Answer {
		if a, ok := rr.(*dns.A); ok {
			return a.A.String()
		}
	}
	return ""
}

func TestPublishedPortAndConflict(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	ports := []PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1"), ContainerPort: 80, Proto: "tcp"}}
	web := attach(t, s, "web", AttachRequest{Ports: ports})
	serveHTTP(t, web.NetNS, "web")
	runServices(t, s, web.Endpoints[0].Container)
	hostPort := web.Ports[0].HostPort
	if hostPort == 0 {
		t.Fatalf("no random host port chosen: %v", web.Ports)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", hostPort)
	if body, err := get("", addr); err != nil || body != "hello from web" {
		t.Errorf("GET http://%s/ on the host = %q, %v", addr, body, err)
	}

	// Another container asking for the same host port: Docker's error and
	// nothing half-created.
	before, _ := os.ReadDir(filepath.Join(s.dir, "netns"))
	same := []PortBinding{{HostIP: netip.IPv4Unspecified(), HostPort: hostPort, ContainerPort: 80, Proto: "tcp"}}
	_, err := s.Attach(ctx, AttachRequest{Container: randomID(), Name: "web-two", Ports: same})
	var pc *PortConflictError
	if !errors.As(err, &pc) || pc.Holder != "web" || !strings.Contains(err.Error(), "port is already allocated") {
		t.Errorf("Attach on a taken port: error = %v, want port is already allocated by web", err)
	}
	after, _ := os.ReadDir(filepath.Join(s.dir, "netns"))
	st, _ := s.read()
	if len(after) != len(before) || len(st.Sandboxes) != 1 || len(st.Endpoints) != 1 {
		t.Errorf("failed Attach left state: %d netns files (want %d), %d sandboxes, %d endpoints", len(after), len(before), len(st.Sandboxes), len(st.Endpoints))
	}

	// A port some other program holds.
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	busy := []PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: uint16(l.Addr().(*net.TCPAddr).Port), ContainerPort: 80, Proto: "tcp"}}
	_, err = s.Attach(ctx, AttachRequest{Container: randomID(), Name: "web-three", Ports: busy})
	want := fmt.Sprintf("Bind for 127.0.0.1:%d failed: port is already in use by another program on the host (ss -ltnp 'sport = :%d' shows which: stop it, or choose another port)", busy[0].HostPort, busy[0].HostPort)
	if !errors.As(err, &pc) || pc.Holder != "" || err.Error() != want {
		t.Errorf("Attach on a port another program holds: error = %v, want %s", err, want)
	}
}

func TestHostAndNone(t *testing.T) {
	s := newTestStore(t)
	for _, mode := range []Mode{"host", "none"} {
		att := attach(t, s, "c-"+string(mode), AttachRequest{Networks: []EndpointRequest{{Network: mode.Network()}}, Ports: []PortBinding{{HostPort: 80, ContainerPort: 80, Proto: "tcp"}}})
		if att.Mode != mode || att.NetNS != "" || len(att.Endpoints) != 0 || len(att.Ports) != 0 {
			t.Errorf("Attach(%s) = %+v, want no netns, endpoints or ports", mode, att)
		}
		if mode == "host" && len(att.Warnings) == 0 {
			t.Errorf("Attach(host) with ports: no warning that they are discarded")
		}
	}
	_, err := s.Attach(context.Background(), AttachRequest{Container: randomID(), Name: "mixed",
		Networks: []EndpointRequest{{Network: "host"}, {Network: "bridge"}}})
	if err == nil || !strings.Contains(err.Error(), "cannot be combined") {
		t.Errorf("Attach(host+bridge) error = %v, want cannot be combined", err)
	}
	if _, err := s.Attach(context.Background(), AttachRequest{Container: randomID(), Name: "lost",
		Networks: []EndpointRequest{{Network: "no-such-net"}}}); !errors.Is(err, ErrNotFound) {
		t.Errorf("Attach(unknown network) error = %v, want not found", err)
	}
}

// Fifty containers attach at once from two processes: every address is
// handed out once.
func TestParallelAttachAcrossProcesses(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.List(context.Background()); err != nil { // default bridge first
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	outs := make([][]byte, 2)
	errs := make([]error, 2)
	for i := range outs {
		wg.Go(func() {
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "DOCKYARD_NET_HELPER="+s.root+":25")
			cmd.Stderr = os.Stderr
			outs[i], errs[i] = cmd.Output()
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, out := range outs {
		if errs[i] != nil {
			t.Fatalf("helper %d: %v", i, errs[i])
		}
		for _, ip := range strings.Fields(string(out)) {
			if seen[ip] {
				t.Errorf("address %s handed out twice", ip)
			}
			seen[ip] = true
		}
	}
	st, _ := s.read()
	if len(seen) != 50 || len(st.Endpoints) != 50 {
		t.Errorf("got %d distinct addresses and %d endpoints, want 50 each", len(seen), len(st.Endpoints))
	}
}

// A killed monitor never detaches: Reconcile removes its networking, and
// any stray object of this root.
func TestReconcileAfterCrash(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	live := attach(t, s, "live", AttachRequest{})
	dead := attach(t, s, "dead", AttachRequest{})
	stray := &netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: s.prefix + "-deadbeef"}}
	if err := netlink.LinkAdd(stray); err != nil {
		t.Fatal(err)
	}
	alive := func(cid string) bool { return cid == live.Endpoints[0].Container }
	if err := s.Reconcile(ctx, alive); err != nil {
		t.Fatal(err)
	}
	if !linkGone(dead.Endpoints[0].HostVeth) || linkExists(stray.Name) {
		t.Errorf("Reconcile left the dead container's veth or the stray link")
	}
	if _, err := os.Stat(dead.NetNS); !os.IsNotExist(err) {
		t.Errorf("Reconcile left %s", dead.NetNS)
	}
	if !linkExists(live.Endpoints[0].HostVeth) {
		t.Errorf("Reconcile removed the live container's veth")
	}
	st, _ := s.read()
	if len(st.Endpoints) != 1 || len(st.Sandboxes) != 1 {
		t.Errorf("after Reconcile: %d endpoints, %d sandboxes, want 1 each", len(st.Endpoints), len(st.Sandboxes))
	}
}

// TestDetachLater: the namespace and the records go at once, the veth when
// deleteLinks runs; the freed address is not the next one handed out; a
// veth whose deleteLinks never ran (its monitor killed) is Reconcile's.
func TestDetachLater(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	gone := attach(t, s, "gone", AttachRequest{})
	killed := attach(t, s, "killed", AttachRequest{})
	deleteLinks, err := s.DetachLater(ctx, gone.Endpoints[0].Container)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := s.read()
	if _, ok := st.Sandboxes[gone.Endpoints[0].Container]; ok || st.Endpoints[gone.Endpoints[0].ID] != nil {
		t.Errorf("DetachLater left the container's records")
	}
	if _, err := os.Stat(gone.NetNS); !os.IsNotExist(err) {
		t.Errorf("DetachLater left %s", gone.NetNS)
	}
	next := attach(t, s, "next", AttachRequest{})
	if next.Endpoints[0].IP == gone.Endpoints[0].IP {
		t.Errorf("the next container got %s, the address DetachLater just freed", next.Endpoints[0].IP)
	}
	if err := deleteLinks(); err != nil {
		t.Fatal(err)
	}
	if linkExists(gone.Endpoints[0].HostVeth) {
		t.Errorf("deleteLinks left %s", gone.Endpoints[0].HostVeth)
	}
	// A descriptor keeps its namespace, and so its veth, alive, as a
	// connection closing slowly does.
	hold, err := os.Open(killed.NetNS)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	if _, err := s.DetachLater(ctx, killed.Endpoints[0].Container); err != nil {
		t.Fatal(err)
	}
	if !linkExists(killed.Endpoints[0].HostVeth) {
		t.Fatalf("%s went before its deletion ran", killed.Endpoints[0].HostVeth)
	}
	if err := s.Reconcile(ctx, func(string) bool { return true }); err != nil {
		t.Fatal(err)
	}
	if !linkGone(killed.Endpoints[0].HostVeth) {
		t.Errorf("Reconcile left %s, whose deletion never ran", killed.Endpoints[0].HostVeth)
	}
	if !linkExists(next.Endpoints[0].HostVeth) {
		t.Errorf("Reconcile removed a live container's veth")
	}
}

func TestInternalNetworkHasNoWayOut(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if _, err := s.Create(ctx, CreateOptions{Name: "backend", Internal: true}); err != nil {
		t.Fatal(err)
	}
	in1 := attach(t, s, "db", AttachRequest{Networks: []EndpointRequest{{Network: "backend"}}})
	in2 := attach(t, s, "app", AttachRequest{Networks: []EndpointRequest{{Network: "backend"}}})
	out := attach(t, s, "outside", AttachRequest{})
	serveHTTP(t, in1.NetNS, "db")
	serveHTTP(t, out.NetNS, "outside")
	if body, err := get(in2.NetNS, in1.Endpoints[0].IP.String()+":80"); err != nil || body != "hello from db" {
		t.Errorf("inside an internal network: GET = %q, %v", body, err)
	}
	if _, err := get(in2.NetNS, out.Endpoints[0].IP.String()+":80"); err == nil {
		t.Errorf("a container on an internal network reached the default bridge")
	}
}

// Outbound NAT, proved only against Debian's archive as the project allows.
func TestOutboundNATReachesDebianArchive(t *testing.T) {
	s := newTestStore(t)
	addrs, err := net.LookupHost("deb.debian.org")
	if err != nil {
		t.Skipf("deb.debian.org does not resolve on this host (%v): outbound NAT cannot be shown", err)
	}
	c := attach(t, s, "fetch", AttachRequest{})
	var lastErr error
	for _, a := range addrs {
		if ip, err := netip.ParseAddr(a); err != nil || !ip.Is4() {
			continue
		}
		var conn net.Conn
		lastErr = InNetNS(c.NetNS, func() (err error) {
			conn, err = net.DialTimeout("tcp4", net.JoinHostPort(a, "80"), 10*time.Second)
			return err
		})
		if lastErr != nil {
			continue
		}
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprintf(conn, "HEAD /debian/ HTTP/1.0\r\nHost: deb.debian.org\r\n\r\n")
		line, err := bufio.NewReader(conn).ReadString('\n')
		conn.Close()
		if err == nil && strings.HasPrefix(line, "HTTP/") {
			return
		}
		lastErr = fmt.Errorf("reply %q: %v", line, err)
	}
	t.Errorf("no HTTP answer from deb.debian.org from inside the container: %v", lastErr)
}

// A root deleted without tearing its networks down (a test's temporary
// root) loses its bridges and nftables table when a store is next opened.
func TestOrphanedRootIsCollected(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	orphan, err := Open(filepath.Join(dir, "gone"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := orphan.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	bridge := orphan.prefix + "-docker0"
	if !linkExists(bridge) || !hasTable(t, orphan) {
		t.Fatalf("orphan's bridge or table missing before the test")
	}
	os.RemoveAll(filepath.Join(dir, "gone"))
	s := newTestStore(t)
	if _, err := s.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if linkExists(bridge) || hasTable(t, orphan) {
		t.Errorf("bridge %s or table of a deleted root left behind", bridge)
	}
}

// A published UDP port: datagrams reach the container and replies come
// back to the sender.
func TestPublishedUDPPort(t *testing.T) {
	s := newTestStore(t)
	ports := []PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1"), ContainerPort: 53, Proto: "udp"}}
	c := attach(t, s, "udp-echo", AttachRequest{Ports: ports})
	var pc net.PacketConn
	if err := InNetNS(c.NetNS, func() (err error) {
		pc, err = net.ListenPacket("udp4", ":53")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go func() {
		b := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(b)
			if err != nil {
				return
			}
			pc.WriteTo(append([]byte("echo "), b[:n]...), from)
		}
	}()
	runServices(t, s, c.Endpoints[0].Container)
	conn, err := net.Dial("udp4", c.Ports[0].HostAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte("ping"))
	b := make([]byte, 100)
	n, err := conn.Read(b)
	if err != nil || string(b[:n]) != "echo ping" {
		t.Errorf("UDP through %s = %q, %v, want echo ping", c.Ports[0].HostAddr(), b[:n], err)
	}
}
