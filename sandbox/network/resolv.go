package network

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"strings"

	"github.com/dockyard-lab/dockyard/sandbox/resolvconf"
)

// DNSAddr is where the embedded DNS answers inside a container on a
// user-defined network, as Docker's.
const DNSAddr = "127.0.0.11"

// hostResolvConf is read for the host's resolvers: /etc/resolv.conf, or
// the file $DOCKYARD_RESOLV_CONF names (for a host whose resolv.conf is not
// the one containers should use, and for tests that must not send queries
// off the machine).
var hostResolvConf = func() string {
	if p := os.Getenv("DOCKYARD_RESOLV_CONF"); p != "" {
		return p
	}
	return "/etc/resolv.conf"
}()

// resolvConf is a container's /etc/resolv.conf: the embedded DNS on
// user-defined networks; otherwise the host's resolvers without loopback
// ones, which a container cannot reach (Docker does the same).
func resolvConf(mode Mode, userDefined bool) ([]byte, error) {
	if mode.IsHost() {
		b, err := os.ReadFile(hostResolvConf)
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("read %s: %w", hostResolvConf, err)
		}
		return b, nil
	}
	cfg, err := resolvconf.Read(hostResolvConf)
	if err != nil {
		cfg = &resolvconf.File{}
	}
	var b bytes.Buffer
	if userDefined {
		fmt.Fprintf(&b, "nameserver %s\n", DNSAddr)
	} else {
		for _, ns := range cfg.Nameservers {
			if a, err := netip.ParseAddr(ns); err == nil && !a.IsLoopback() {
				fmt.Fprintf(&b, "nameserver %s\n", ns)
			}
		}
	}
	if len(cfg.Search) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(cfg.Search, " "))
	}
	if userDefined {
		b.WriteString("options ndots:0\n")
	}
	return b.Bytes(), nil
}

// hostsFile is a container's /etc/hosts: localhost and its own addresses
// under its hostname.
func hostsFile(mode Mode, hostname string, eps []*Endpoint) ([]byte, error) {
	if mode.IsHost() {
		b, err := os.ReadFile("/etc/hosts")
		if err != nil && !os.IsNotExist(err) {
			return nil, fmt.Errorf("read /etc/hosts: %w", err)
		}
		return b, nil
	}
	var b bytes.Buffer
	b.WriteString("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n")
	for _, ep := range eps {
		if hostname != "" {
			fmt.Fprintf(&b, "%s\t%s\n", ep.IP, hostname)
		}
	}
	return b.Bytes(), nil
}

func writeResolverFiles(sb *Sandbox, hostname string, eps []*Endpoint, userDefined bool) error {
	rc, err := resolvConf(sb.Mode, userDefined)
	if err != nil {
		return err
	}
	hosts, err := hostsFile(sb.Mode, hostname, eps)
	if err != nil {
		return err
	}
	// In place: the container store may already have bind-mounted them.
	if err := writeFileInPlace(sb.ResolvConf, rc); err != nil {
		return err
	}
	return writeFileInPlace(sb.Hosts, hosts)
}

// writeFileInPlace rewrites a file that is bind-mounted into a running
// container: a rename would leave the container on the old inode.
func writeFileInPlace(path string, b []byte) error {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("rewrite %s: %w", path, err)
	}
	return nil
}
