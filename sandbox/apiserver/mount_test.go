package apiserver

import (
	"testing"

	"github.com/moby/moby/api/types/mount"
)

// An API mount is refused as moby refuses it: no target, a relative
// target (Compose turns "v:/v" in a short volume list into one), an
// unknown type.
func TestMountSpecRefuses(t *testing.T) {
	for _, tc := range []struct {
		m    mount.Mount
		want string
	}{
		{mount.Mount{Type: mount.TypeVolume}, "invalid mount config: mount target must not be empty"},
		{mount.Mount{Type: mount.TypeVolume, Target: "v:/v"}, `invalid mount config for type "volume": invalid mount path: 'v:/v' mount path must be absolute`},
		{mount.Mount{Type: mount.TypeBind, Source: "/tmp", Target: "data"}, `invalid mount config for type "bind": invalid mount path: 'data' mount path must be absolute`},
		{mount.Mount{Type: "npipe", Target: "/x"}, `invalid mount config: mount type unknown: "npipe"`},
	} {
		if _, err := mountSpec(tc.m); err == nil || err.Error() != tc.want {
			t.Errorf("mountSpec(%+v) = %v, want %q", tc.m, err, tc.want)
		}
	}
	if s, err := mountSpec(mount.Mount{Type: mount.TypeVolume, Source: "data", Target: "/data"}); err != nil || s.Target != "/data" {
		t.Errorf("mountSpec(volume data:/data) = %+v, %v", s, err)
	}
}
