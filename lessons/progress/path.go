package progress

import (
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
)

// FileName is the progress file's name inside the state directory.
const FileName = "progress.json"

// Locate returns where the invoking user's progress lives and who should
// own it: $XDG_STATE_HOME/dockyard/progress.json, else
// ~/.local/state/dockyard/progress.json. Under sudo (root with SUDO_USER
// set) it is the invoking user's home and file, owned by them.
func Locate(getenv func(string) string) (string, Owner, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	owner := NoOwner
	home := ""
	if sudoUser := getenv("SUDO_USER"); sudoUser != "" && os.Geteuid() == 0 && sudoUser != "root" {
		u, err := user.Lookup(sudoUser)
		if err == nil {
			home = u.HomeDir
			uid, err1 := strconv.Atoi(u.Uid)
			gid, err2 := strconv.Atoi(u.Gid)
			if err1 == nil && err2 == nil {
				owner = Owner{uid, gid}
			}
		}
	}
	if state := getenv("XDG_STATE_HOME"); state != "" && filepath.IsAbs(state) && owner == NoOwner {
		return filepath.Join(state, "dockyard", FileName), owner, nil
	}
	if home == "" {
		home = getenv("HOME")
	}
	if home == "" {
		h, err := os.UserHomeDir()
		if err != nil {
			return "", owner, errors.New("cannot find your home folder: set HOME or XDG_STATE_HOME")
		}
		home = h
	}
	return filepath.Join(home, ".local", "state", "dockyard", FileName), owner, nil
}
