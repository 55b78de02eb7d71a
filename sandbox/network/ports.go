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

// Port is the container side.
func (p PortBinding) Port() Port { return Port{Num: p.ContainerPort, Proto: p.Proto} }

// Key is the container side as Docker writes it: 80/tcp.
func (p PortBinding) Key() string { return p.Port().String() }

// Port is a container port with its protocol, as Docker writes it in
// EXPOSE, --expose, HostConfig.PortBindings and docker port: 80/tcp.
type Port struct {
	Num   uint16
	Proto string // tcp, udp or sctp
}

// String is Docker's form: 80/tcp.
func (p Port) String() string { return strconv.Itoa(int(p.Num)) + "/" + p.Proto }

// ParsePort reads one port: "80" (tcp, as on Docker) or "80/udp".
func ParsePort(s string) (Port, error) {
	ps, err := ParsePortRange(s)
	if err != nil {
		return Port{}, err
	}
	if len(ps) != 1 {
		return Port{}, fmt.Errorf("invalid port %q: give one port, not a range", s)
	}
	return ps[0], nil
}

// ParsePortRange reads a port or a range of ports with an optional
// protocol, as --expose, EXPOSE and ps --filter expose= take them:
// "8000-8002/udp" is three ports.
func ParsePortRange(s string) ([]Port, error) {
	ports, proto, hasProto := strings.Cut(s, "/")
	proto = strings.ToLower(proto)
	switch {
	case !hasProto:
		proto = "tcp"
	case proto != "tcp" && proto != "udp" && proto != "sctp":
		return nil, fmt.Errorf("invalid port %q: the protocol must be tcp, udp or sctp", s)
	}
	lo, hi, isRange := strings.Cut(ports, "-")
	if !isRange {
		hi = lo
	}
	start, err1 := strconv.ParseUint(lo, 10, 16)
	end, err2 := strconv.ParseUint(hi, 10, 16)
	if err1 != nil || err2 != nil || start == 0 || end < start {
		return nil, fmt.Errorf("invalid port %q: give a port number (1-65535) or a range such as 8000-8010, with /tcp, /udp or /sctp after it if need be", s)
	}
	out := make([]Port, 0, end-start+1)
	for p := start; p <= end; p++ {
		out = append(out, Port{Num: uint16(p), Proto: proto})
	}
	return out, nil
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
	// A lesson's port (8080, 5433) may be held by the student's own web
	// server or database: say how to find which.
	listening := "ss -ltnp"
	if e.Binding.Proto == "udp" {
		listening = "ss -lunp"
	}
	return fmt.Sprintf("Bind for %s failed: port is already in use by another program on the host (%s 'sport = :%d' shows which: stop it, or choose another port)", e.Binding.HostAddr(), listening, e.Binding.HostPort)
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
