package image

import (
	"slices"
	"testing"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

func testFactory() *factory.Factory {
	ios, _, _, _ := iostreams.Test()
	return &factory.Factory{IOStreams: ios, Root: "/nonexistent"}
}

func TestPullFlags(t *testing.T) {
	tests := []struct {
		args []string
		want PullOptions
	}{
		{[]string{"busybox"}, PullOptions{Ref: "busybox"}},
		{[]string{"-q", "busybox:1.36"}, PullOptions{Ref: "busybox:1.36", Quiet: true}},
		{[]string{"--registry-mirror", "http://127.0.0.1:5000", "--registry-mirror", "m:5000", "x"}, PullOptions{Ref: "x", Mirrors: []string{"http://127.0.0.1:5000", "m:5000"}}},
		{[]string{"--platform", "linux/arm64", "x"}, PullOptions{Ref: "x", Platform: "linux/arm64"}},
	}
	for _, tt := range tests {
		var got *PullOptions
		cmd := NewCmdPull(testFactory(), func(o *PullOptions) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		if err := cmd.Execute(); err != nil {
			t.Fatalf("pull %q: %v", tt.args, err)
		}
		if got.Ref != tt.want.Ref || got.Quiet != tt.want.Quiet || !slices.Equal(got.Mirrors, tt.want.Mirrors) || got.Platform != tt.want.Platform {
			t.Errorf("pull %q = %+v, want %+v", tt.args, *got, tt.want)
		}
	}
}

func TestListFlags(t *testing.T) {
	var got *ListOptions
	cmd := NewCmdList(testFactory(), func(o *ListOptions) error { got = o; return nil }, "images")
	cmd.SetArgs([]string{"-a", "-q", "--digests", "--no-trunc", "-f", "dangling=true", "--format", "{{.ID}}", "busybox"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !got.All || !got.Quiet || !got.Digests || !got.NoTrunc || got.Repository != "busybox" || got.Format != "{{.ID}}" || !slices.Equal(got.Filters, []string{"dangling=true"}) {
		t.Errorf("images flags = %+v", *got)
	}
}

func TestRemoveAndPruneFlags(t *testing.T) {
	var rm *RemoveOptions
	cmd := NewCmdRemove(testFactory(), func(o *RemoveOptions) error { rm = o; return nil }, "rmi")
	cmd.SetArgs([]string{"-f", "--no-prune", "a", "b"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !rm.Force || !rm.NoPrune || !slices.Equal(rm.Images, []string{"a", "b"}) {
		t.Errorf("rmi flags = %+v", *rm)
	}
	var pr *PruneOptions
	cmd = NewCmdPrune(testFactory(), func(o *PruneOptions) error { pr = o; return nil })
	cmd.SetArgs([]string{"-a", "-f"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if !pr.All || !pr.Force {
		t.Errorf("prune flags = %+v", *pr)
	}
}
