package network

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// fakeEngine holds networks in memory for network ls and rm.
type fakeEngine struct {
	networks []engine.NetworkInfo
	filters  []engine.Filters
	removed  []string
}

func (f *fakeEngine) ListNetworks(_ context.Context, fl engine.Filters) ([]engine.NetworkInfo, error) {
	f.filters = append(f.filters, fl)
	if err := fl.Validate("name"); err != nil {
		return nil, err
	}
	var out []engine.NetworkInfo
	for _, n := range f.networks {
		if fl.Any("name", func(v string) bool { return strings.Contains(n.Name, v) }) {
			out = append(out, n)
		}
	}
	return out, nil
}

func (f *fakeEngine) RemoveNetwork(_ context.Context, ref string) error {
	for _, n := range f.networks {
		if n.Name != ref {
			continue
		}
		if n.Predefined {
			return fmt.Errorf("%s is a pre-defined network and cannot be removed", ref)
		}
		f.removed = append(f.removed, ref)
		return nil
	}
	return engine.Missing(fmt.Errorf("network %s not found", ref))
}

func testNetworks() []engine.NetworkInfo {
	net := func(name, id, driver string, predefined bool) engine.NetworkInfo {
		return engine.NetworkInfo{Network: engine.Network{Name: name, ID: strings.Repeat(id, 64), Driver: driver, Predefined: predefined}}
	}
	return []engine.NetworkInfo{net("bridge", "1", "bridge", true), net("host", "2", "host", true), net("appnet", "3", "bridge", false)}
}

func execute(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.ExecuteContext(context.Background())
}

func TestNetworkLsAgainstFake(t *testing.T) {
	tests := []struct {
		args             []string
		wantOut, wantErr string
		wantFilters      engine.Filters
	}{
		{args: nil, wantFilters: engine.Filters{}, wantOut: "NETWORK ID     NAME      DRIVER    SCOPE\n" +
			"111111111111   bridge    bridge    local\n222222222222   host      host      local\n333333333333   appnet    bridge    local\n"},
		{args: []string{"-q", "-f", "name=app"}, wantFilters: engine.Filters{"name": {"app"}}, wantOut: "333333333333\n"},
		{args: []string{"--no-trunc", "--format", "{{.Name}} {{.ID}}", "-f", "name=host"}, wantFilters: engine.Filters{"name": {"host"}},
			wantOut: "host " + strings.Repeat("2", 64) + "\n"},
		{args: []string{"-f", "colour=red"}, wantFilters: engine.Filters{"colour": {"red"}}, wantErr: "Error response from daemon: invalid filter 'colour'"},
	}
	for _, tt := range tests {
		fake := &fakeEngine{networks: testNetworks()}
		ios, _, out, _ := iostreams.Test()
		f := factory.New("test")
		f.IOStreams = ios
		err := execute(NewCmdLs(f, func(o *LsOptions) error {
			o.Engine = func(context.Context) (Lister, error) { return fake, nil }
			return lsRun(context.Background(), o)
		}), tt.args...)
		if got := fmt.Sprint(err); tt.wantErr != "" && got != tt.wantErr || tt.wantErr == "" && err != nil {
			t.Errorf("network ls %v error = %v, want %q", tt.args, err, tt.wantErr)
		}
		if out.String() != tt.wantOut {
			t.Errorf("network ls %v printed\n%s\nwant\n%s", tt.args, out, tt.wantOut)
		}
		if len(fake.filters) != 1 || fmt.Sprint(fake.filters[0]) != fmt.Sprint(tt.wantFilters) {
			t.Errorf("network ls %v asked for %v, want %v", tt.args, fake.filters, tt.wantFilters)
		}
	}
}

func TestNetworkRmAgainstFake(t *testing.T) {
	tests := []struct {
		args                []string
		wantRemoved         string
		wantOut, wantErrOut string
		wantStatus          bool
	}{
		{args: []string{"appnet"}, wantRemoved: "appnet", wantOut: "appnet\n"},
		{args: []string{"-f", "nope", "appnet"}, wantRemoved: "appnet", wantOut: "appnet\n"},
		{args: []string{"bridge", "nope", "appnet"}, wantRemoved: "appnet", wantOut: "appnet\n", wantStatus: true,
			wantErrOut: "Error response from daemon: bridge is a pre-defined network and cannot be removed\n" +
				"Error response from daemon: network nope not found\n"},
	}
	for _, tt := range tests {
		fake := &fakeEngine{networks: testNetworks()}
		ios, _, out, errOut := iostreams.Test()
		f := factory.New("test")
		f.IOStreams = ios
		err := execute(NewCmdRm(f, func(o *RmOptions) error {
			o.Engine = func(context.Context) (Remover, error) { return fake, nil }
			return rmRun(context.Background(), o)
		}), tt.args...)
		var se *factory.StatusError
		if errors.As(err, &se) != tt.wantStatus || !tt.wantStatus && err != nil {
			t.Errorf("network rm %v error = %v, want a status error: %v", tt.args, err, tt.wantStatus)
		}
		if out.String() != tt.wantOut || errOut.String() != tt.wantErrOut {
			t.Errorf("network rm %v printed %q / %q, want %q / %q", tt.args, out, errOut, tt.wantOut, tt.wantErrOut)
		}
		if strings.Join(fake.removed, ",") != tt.wantRemoved {
			t.Errorf("network rm %v removed %q, want %q", tt.args, fake.removed, tt.wantRemoved)
		}
	}
}
