// Package network gives Dockyard's containers their networks: the default
// "bridge" network, user-defined bridges with an embedded DNS resolver for
// container names, "host" and "none", IPAM, outbound NAT and isolation with
// nftables, and published ports.
//
// The seam with the container store (docs/design.md): Attach prepares a
// network namespace as a bind-mounted netns file (as CNI does) with its veth
// pairs, addresses and routes; the container joins it by path. "host" means
// no new namespace; "none" means a new one with loopback only (an empty
// path). Services returns the per-container services (userland port proxies
// and the DNS responder on 127.0.0.11:53) that the container's monitor runs
// for the container's lifetime. Detach undoes Attach.
//
// State lives under <root>/networks: the networks in state.json, each
// container's config and lease in a small file of its own (records.go),
// guarded by one flock and written atomically. Every kernel object (bridge, veth, nftables table) is named
// from a prefix derived from the state root, so two roots (a test's temporary
// root and /var/lib/dockyard) never touch each other's objects, and
// Reconcile removes whatever a crash left behind.
package network

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"time"
)

// Drivers Dockyard knows.
const (
	DriverBridge  = "bridge"
	DriverHost    = "host"
	DriverNull    = "null"
	DriverOverlay = "overlay"
)

// Names of the networks every root has, as on Docker.
const (
	DefaultBridge = "bridge"
	HostNetwork   = "host"
	NoneNetwork   = "none"
)

// Errors callers decide on with errors.Is.
var (
	ErrNotFound = errors.New("network not found")
	ErrExists   = errors.New("network already exists")
	ErrInUse    = errors.New("network has active endpoints")
	// ErrAmbiguous is an id prefix that names several networks.
	ErrAmbiguous = errors.New("network is ambiguous")
	ErrOverlap   = errors.New("pool overlaps with other one on this address space")
)

// Network is one network's definition.
type Network struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Driver   string            `json:"driver"`
	Subnet   netip.Prefix      `json:"subnet,omitzero"`
	Gateway  netip.Addr        `json:"gateway,omitzero"`
	Bridge   string            `json:"bridge,omitempty"`
	Internal bool              `json:"internal,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	Created  time.Time         `json:"created"`
	// Predefined marks bridge, host and none: they cannot be removed.
	Predefined bool `json:"predefined,omitempty"`
	// NextIP is where IPAM continues, so a released address is not handed
	// out again at once.
	NextIP netip.Addr `json:"next_ip,omitzero"`
}

// UserDefined reports whether containers on n resolve each other by name
// (Docker: only on user-defined networks, never on the default bridge).
func (n *Network) UserDefined() bool { return !n.Predefined && n.Driver == DriverBridge }

// Endpoint is one container's attachment to one network.
type Endpoint struct {
	ID            string     `json:"id"`
	Network       string     `json:"network"` // network ID
	Container     string     `json:"container"`
	ContainerName string     `json:"container_name"`
	Aliases       []string   `json:"aliases,omitempty"`
	IP            netip.Addr `json:"ip"`
	MAC           string     `json:"mac"`
	HostVeth      string     `json:"host_veth"`
	IfName        string     `json:"ifname"` // inside the container: eth0, eth1, ...
}

// Sandbox is one container's network namespace and what is bound to it.
type Sandbox struct {
	Container string `json:"container"`
	Name      string `json:"name"`
	// Mode is "bridge" (a netns of our own), "host" or "none".
	Mode    Mode          `json:"mode"`
	NetNS   string        `json:"netns,omitempty"`
	Ports   []PortBinding `json:"ports,omitempty"`
	Created time.Time     `json:"created"`
	// ResolvConf and Hosts are the files the container sees as
	// /etc/resolv.conf and /etc/hosts, rewritten on connect.
	ResolvConf string `json:"resolv_conf,omitempty"`
	Hosts      string `json:"hosts,omitempty"`
}

// Config is a container's wanted networking, the one record of it: written
// when the container is created, changed by docker network connect and
// disconnect, read at every start and dropped by docker rm. It holds the
// networks the container joins, first the one giving the default route,
// with their aliases (an empty list after disconnecting the last one:
// loopback only), and the ports it publishes (-p and -P). A container
// created on none, with nothing to publish, has no record: that is
// loopback only, and saves `run --network none` a state write.
type Config struct {
	Name     string            `json:"name"`
	Networks []EndpointRequest `json:"networks,omitempty"`
	Ports    []PortBinding     `json:"ports,omitempty"`
}

// state is everything in state.json.
type state struct {
	Networks  map[string]*Network  `json:"networks"`  // by ID
	Endpoints map[string]*Endpoint `json:"endpoints"` // by ID
	Sandboxes map[string]*Sandbox  `json:"sandboxes"` // by container ID
	Configs   map[string]*Config   `json:"configs"`   // by container ID
}

func newState() *state {
	return &state{
		Networks:  map[string]*Network{},
		Endpoints: map[string]*Endpoint{},
		Sandboxes: map[string]*Sandbox{},
		Configs:   map[string]*Config{},
	}
}

// Prefix returns the name prefix of a state root's kernel objects:
// "dy" and four hex digits of the root path's hash, e.g. "dy5c1e".
func Prefix(root string) string {
	sum := sha256.Sum256([]byte(filepath.Clean(root)))
	return "dy" + hex.EncodeToString(sum[:2])
}

func randomID() string {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// ShortID is Docker's 12-character id.
func ShortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// kindError is a message for the student that still matches a sentinel
// with errors.Is, without repeating the sentinel's text.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.kind }

func errorf(kind error, format string, args ...any) error {
	return &kindError{msg: fmt.Sprintf(format, args...), kind: kind}
}
