package network

import (
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/nftables"
)

// rootsDir registers, per prefix, the state root owning it, so the kernel
// objects of a root that was deleted (a test's temporary root, thrown away
// without `docker network reset`) are found and removed.
const rootsDir = "/run/dockyard-roots"

// register records that this store's prefix belongs to its root.
func (s *Store) register() {
	if err := os.MkdirAll(rootsDir, 0o700); err != nil {
		return
	}
	p := filepath.Join(rootsDir, s.prefix)
	if b, err := os.ReadFile(p); err == nil && string(b) == s.root {
		return
	}
	os.WriteFile(p, []byte(s.root), 0o600)
}

// collectOrphans removes the links and nftables tables of every registered
// root whose state is gone. It costs a directory read when there are none.
func collectOrphans() {
	entries, err := os.ReadDir(rootsDir)
	if err != nil {
		return
	}
	var gone []string
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(rootsDir, e.Name()))
		if err != nil {
			continue
		}
		if _, err := os.Stat(filepath.Join(string(b), "networks")); errors.Is(err, os.ErrNotExist) {
			gone = append(gone, e.Name())
		}
	}
	if len(gone) == 0 {
		return
	}
	links, _ := LinkList()
	conn, _ := nftables.New()
	for _, prefix := range gone {
		for _, l := range links {
			if strings.HasPrefix(l.Attrs().Name, prefix) {
				deleteLink(l.Attrs().Name)
			}
		}
		if conn != nil {
			t := &nftables.Table{Name: "dockyard-" + prefix, Family: nftables.TableFamilyIPv4}
			conn.AddTable(t)
			conn.DelTable(t)
			conn.Flush()
		}
		os.Remove(filepath.Join(rootsDir, prefix))
	}
}
