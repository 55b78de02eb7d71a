package engine

import (
	"errors"
	"fmt"
	"testing"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/idindex"
	"github.com/dockyard-lab/dockyard/sandbox/network"
	"github.com/dockyard-lab/dockyard/sandbox/volume"
)

// TestKindOf: each typed error the stores return means what Docker's
// errdefs make of it, wrapped or not (the API server's status and the
// CLI's exit code are read from it).
func TestKindOf(t *testing.T) {
	tests := []struct {
		err  error
		want Kind
	}{
		{container.ErrNotFound, NotFound},
		{fmt.Errorf("get x: %w", volume.ErrNotFound), NotFound},
		{&container.NameInUseError{Name: "x", ID: "1"}, Conflict},
		{fmt.Errorf("rename: %w", &container.NameInUseError{Name: "x", ID: "1"}), Conflict},
		{network.ErrInUse, Conflict},
		// Docker's daemon: 400 "multiple IDs found with provided prefix".
		{&idindex.AmbiguousError{Prefix: "a", Candidates: []string{"a1", "a2"}}, InvalidArgument},
		{fmt.Errorf("get a: %w", &idindex.AmbiguousError{Prefix: "a"}), InvalidArgument},
		{Invalid(errors.New("bad")), InvalidArgument},
		{fmt.Errorf("inspect: %w", network.ErrAmbiguous), InvalidArgument},
		{fmt.Errorf("create a/b: %w", volume.ValidateName("a/b")), InvalidArgument},
		{errors.New("disk on fire"), Fault},
		// A failed start's kind, as the monitor sent it.
		{fmt.Errorf("start x: %w", &container.StartError{Code: 127, Msg: "not found", Kind: InvalidArgument}), InvalidArgument},
		{&container.StartError{Code: 125, Msg: "Bind for 127.0.0.1:80 failed: port is already allocated"}, Fault},
	}
	for _, tt := range tests {
		if got := KindOf(tt.err); got != tt.want {
			t.Errorf("KindOf(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
