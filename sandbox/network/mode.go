package network

import (
	"fmt"
	"strings"
)

// Mode is how a container is networked, as Docker's HostConfig.NetworkMode
// names it: "bridge" (the default network), "host", "none" or the name or
// id of a user-defined network. Front ends make one from --network or the
// API with ParseMode; the engine records it in the container's spec and
// the network store's Config, and a Sandbox's Mode is "bridge", "host" or
// "none".
type Mode string

// ParseMode reads --network (or the API's HostConfig.NetworkMode): "" and
// "default" are the default bridge, as on Docker. Sharing another
// container's namespace (container:NAME) is refused with the way out.
func ParseMode(s string) (Mode, error) {
	switch {
	case s == "" || s == "default":
		return DefaultBridge, nil
	case strings.HasPrefix(s, "container:"):
		return "", fmt.Errorf("--network %s: sharing another container's network namespace is not supported in Dockyard (put both containers on one user-defined network instead: docker network create NAME, then --network NAME)", s)
	}
	return Mode(s), nil
}

// IsNone reports whether the container has loopback only.
func (m Mode) IsNone() bool { return m == NoneNetwork }

// IsHost reports whether the container shares the host's network.
func (m Mode) IsHost() bool { return m == HostNetwork }

// IsDefault reports whether the container joins the default bridge (the
// zero Mode is the default too).
func (m Mode) IsDefault() bool { return m == "" || m == DefaultBridge }

// Network is the name (or id) of the network the container joins first.
func (m Mode) Network() string {
	if m == "" {
		return DefaultBridge
	}
	return string(m)
}

// modeOf is the Mode a sandbox on network n has.
func modeOf(n *Network) Mode {
	switch n.Driver {
	case DriverHost:
		return HostNetwork
	case DriverNull:
		return NoneNetwork
	}
	return DefaultBridge
}
