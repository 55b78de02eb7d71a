package image

import "time"

// SetManifestTimeout shortens how long a manifest may take to arrive, for
// a test; the returned func restores it.
func SetManifestTimeout(d time.Duration) (restore func()) {
	old := manifestTimeout
	manifestTimeout = d
	return func() { manifestTimeout = old }
}
