package network

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// PortBinding is one published port: HostIP:HostPort on the host forwards
// to ContainerPort inside the container.
type PortBinding struct {
	HostIP        netip.Addr `json:"host_ip"`
	HostPort      uint16     `json:"host_port"` // 0 before a random port is chosen
	ContainerPort uint16     `json:"container_port"`
	Proto         string     `json:"proto"` // tcp or udp
}

// String is Docker's form in `ps`: 0.0.0.0:8080->80/tcp.
func (p PortBinding) String() string {
	return fmt.Sprintf("%s->%d/%s", net.JoinHostPort(p.HostIP.String(), strconv.Itoa(int(p.HostPort))), p.ContainerPort, p.Proto)
}

// HostAddr is host-ip:host-port.
func (p PortBinding) HostAddr() string {
	return net.JoinHostPort(p.HostIP.String(), strconv.Itoa(int(p.HostPort)))
}

// Key is the container side as Docker writes it: 80/tcp.
func (p PortBinding) Key() string { return fmt.Sprintf("%d/%s", p.ContainerPort, p.Proto) }

// ParsePort parses one -p/--publish value:
// [ip:][hostPort:]containerPort[/tcp|udp], where either port may be a
// range of the same length (8000-8001:80-81). A missing host port means a
// random one.
func ParsePort(spec string) ([]PortBinding, error) {
	bad := func(why string) error {
		return fmt.Errorf("invalid -p %q: %s (use [ip:][hostPort:]containerPort[/tcp|udp], e.g. -p 8080:80)", spec, why)
	}
	rest, proto := spec, "tcp"
	if i := strings.LastIndex(spec, "/"); i >= 0 {
		rest, proto = spec[:i], strings.ToLower(spec[i+1:])
		if proto != "tcp" && proto != "udp" {
			return nil, bad("protocol must be tcp or udp")
		}
	}
	var ip, host, ctr string
	// An IPv6 host address is written in brackets: [::1]:8080:80.
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]")
		if end < 0 {
			return nil, bad("unclosed [ in the address")
		}
		ip, rest = rest[1:end], strings.TrimPrefix(rest[end+1:], ":")
	}
	parts := strings.Split(rest, ":")
	switch {
	case ip != "" && len(parts) == 2:
		host, ctr = parts[0], parts[1]
	case ip == "" && len(parts) == 1:
		ctr = parts[0]
	case ip == "" && len(parts) == 2:
		host, ctr = parts[0], parts[1]
	case ip == "" && len(parts) == 3:
		ip, host, ctr = parts[0], parts[1], parts[2]
	default:
		return nil, bad("too many colons")
	}
	hostIP := netip.IPv4Unspecified()
	if ip != "" {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return nil, bad(fmt.Sprintf("%q is not an IP address", ip))
		}
		if !a.Is4() {
			return nil, bad("only IPv4 host addresses are supported")
		}
		hostIP = a
	}
	if ctr == "" {
		return nil, bad("no container port")
	}
	cLo, cHi, err := parseRange(ctr)
	if err != nil {
		return nil, bad(err.Error())
	}
	var hLo, hHi uint16
	if host != "" {
		if hLo, hHi, err = parseRange(host); err != nil {
			return nil, bad(err.Error())
		}
		if hHi-hLo != cHi-cLo {
			if hLo == hHi {
				return nil, bad("a single host port cannot take a range of container ports")
			}
			return nil, bad("host and container port ranges differ in length")
		}
	}
	var out []PortBinding
	for c := uint32(cLo); c <= uint32(cHi); c++ {
		b := PortBinding{HostIP: hostIP, ContainerPort: uint16(c), Proto: proto}
		if host != "" {
			b.HostPort = uint16(uint32(hLo) + c - uint32(cLo))
		}
		out = append(out, b)
	}
	return out, nil
}

func parseRange(s string) (lo, hi uint16, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if lo, err = parsePortNum(a); err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	if hi, err = parsePortNum(b); err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("range %s ends before it starts", s)
	}
	return lo, hi, nil
}

func parsePortNum(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", s)
	}
	return uint16(n), nil
}

// PortConflictError is a host port that is taken.
type PortConflictError struct {
	Binding PortBinding
	// Holder is the name of the Dockyard container holding the port, or ""
	// when something outside Dockyard does.
	Holder string
	Err    error
}

func (e *PortConflictError) Error() string {
	if e.Holder != "" {
		return fmt.Sprintf("Bind for %s failed: port is already allocated (published by container %q: stop it or choose another port)", e.Binding.HostAddr(), e.Holder)
	}
	if e.Err != nil && !errors.Is(e.Err, syscall.EADDRINUSE) {
		// Not taken: the address cannot be bound at all (not on this
		// host, no permission); the system's reason says which.
		return fmt.Sprintf("Bind for %s failed: %v", e.Binding.HostAddr(), plainNetErr(e.Err))
	}
	return fmt.Sprintf("Bind for %s failed: port is already in use by another program on the host (choose another port)", e.Binding.HostAddr())
}

// plainNetErr is the system's reason inside a net.OpError ("cannot assign
// requested address"), without the operation and address around it.
func plainNetErr(err error) error {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}

func (e *PortConflictError) Unwrap() error { return e.Err }

// ErrPortAllocated is wrapped by PortConflictError.
var ErrPortAllocated = errors.New("port is already allocated")

// reservePorts gives every binding of sb a host port: a conflict with
// another container's binding or a failed trial bind on the host is an
// error; a zero host port becomes a free one the kernel picks.
func reservePorts(st *state, sb *Sandbox) error {
	taken := func(b PortBinding) string {
		for _, other := range st.Sandboxes {
			if other.Container == sb.Container {
				continue
			}
			for _, o := range other.Ports {
				if o.Proto == b.Proto && o.HostPort == b.HostPort &&
					(o.HostIP == b.HostIP || o.HostIP.IsUnspecified() || b.HostIP.IsUnspecified()) {
					return other.Name
				}
			}
		}
		return ""
	}
	for i := range sb.Ports {
		b := &sb.Ports[i]
		for j := range sb.Ports[:i] {
			o := sb.Ports[j]
			if b.HostPort != 0 && o.HostPort == b.HostPort && o.Proto == b.Proto && o.HostIP == b.HostIP {
				return &PortConflictError{Binding: *b, Holder: sb.Name, Err: ErrPortAllocated}
			}
		}
		if b.HostPort != 0 {
			if holder := taken(*b); holder != "" {
				return &PortConflictError{Binding: *b, Holder: holder, Err: ErrPortAllocated}
			}
			if err := trialBind(*b); err != nil {
				return &PortConflictError{Binding: *b, Err: err}
			}
			continue
		}
		// A random port: ask the kernel, retry if another container holds it.
		for try := 0; ; try++ {
			p, err := freePort(*b)
			if err != nil {
				return fmt.Errorf("choose a host port for %s: %w", b.Key(), err)
			}
			c := *b
			c.HostPort = p
			if taken(c) == "" {
				b.HostPort = p
				break
			}
			if try > 100 {
				return fmt.Errorf("choose a host port for %s: no free port found", b.Key())
			}
		}
	}
	sort.SliceStable(sb.Ports, func(i, j int) bool { return sb.Ports[i].ContainerPort < sb.Ports[j].ContainerPort })
	return nil
}

// trialBind checks that the host port can be bound now.
func trialBind(b PortBinding) error {
	if b.Proto == "udp" {
		c, err := net.ListenPacket("udp4", b.HostAddr())
		if err != nil {
			return err
		}
		return c.Close()
	}
	l, err := net.Listen("tcp4", b.HostAddr())
	if err != nil {
		return err
	}
	return l.Close()
}

func freePort(b PortBinding) (uint16, error) {
	addr := net.JoinHostPort(b.HostIP.String(), "0")
	if b.Proto == "udp" {
		c, err := net.ListenPacket("udp4", addr)
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return uint16(c.LocalAddr().(*net.UDPAddr).Port), nil
	}
	l, err := net.Listen("tcp4", addr)
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return uint16(l.Addr().(*net.TCPAddr).Port), nil
}
