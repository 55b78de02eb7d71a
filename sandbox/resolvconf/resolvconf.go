// Package resolvconf reads resolv.conf(5): the host's resolvers and search
// domains, which a container's /etc/resolv.conf and the embedded DNS's
// forwarding start from (as Docker's libnetwork/resolvconf).
package resolvconf

import (
	"bufio"
	"io"
	"os"
	"strings"
)

// File is what Dockyard uses of a resolv.conf.
type File struct {
	Nameservers []string // as written: addresses, port 53
	Search      []string // the last search or domain line's domains
}

// Read reads the resolv.conf at path.
func Read(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f)
}

// Parse reads a resolv.conf: every nameserver line, and the search domains
// of the last search or domain line (a domain line sets one), as the C
// library does.
func Parse(r io.Reader) (*File, error) {
	rc := &File{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "nameserver":
			if len(f) > 1 {
				rc.Nameservers = append(rc.Nameservers, f[1])
			}
		case "domain":
			rc.Search = f[1:min(len(f), 2)]
		case "search":
			rc.Search = f[1:]
		}
	}
	return rc, sc.Err()
}
