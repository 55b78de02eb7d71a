package engine

import "testing"

// TestVersionDetails: docker version's template prints the engine's Git
// commit and Experimental rows from the component's details; both were
// empty.
func TestVersionDetails(t *testing.T) {
	d := Version("af2be17").Components[0].Details
	for key, want := range map[string]string{"GitCommit": "af2be17", "Experimental": "false", "ApiVersion": APIVersion} {
		if got := d[key]; got != want {
			t.Errorf("Version().Components[0].Details[%q] = %q, want %q", key, got, want)
		}
	}
}
