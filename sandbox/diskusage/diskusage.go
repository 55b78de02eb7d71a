// Package diskusage measures how much data a directory tree holds, as
// `docker system df` and the prune commands report it.
package diskusage

import (
	"io/fs"
	"path/filepath"
)

// Tree adds up the sizes of the regular files under dir (their lengths, as
// Docker counts them, not the blocks they take). Unreadable parts count as
// empty; a missing dir is 0.
func Tree(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
