package volume

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// fakeEngine holds volumes in memory for volume ls and rm.
type fakeEngine struct {
	volumes []*engine.Volume
	damaged []error
	filters []engine.Filters
	removed []string
}

func (f *fakeEngine) ListVolumes(_ context.Context, fl engine.Filters) ([]*engine.Volume, error) {
	f.filters = append(f.filters, fl)
	if err := fl.Validate("name"); err != nil {
		return nil, err
	}
	var out []*engine.Volume
	for _, v := range f.volumes {
		if fl.Any("name", func(x string) bool { return strings.Contains(v.Name, x) }) {
			out = append(out, v)
		}
	}
	return out, nil
}

func (f *fakeEngine) DamagedVolumes(context.Context) []error { return f.damaged }

func (f *fakeEngine) VolumeUsers(v *engine.Volume) []string { return v.Users }

func (f *fakeEngine) RemoveVolume(_ context.Context, name string) error {
	for _, v := range f.volumes {
		if v.Name != name {
			continue
		}
		if len(v.Users) > 0 {
			return engine.Conflicting(fmt.Errorf("remove %s: volume is in use - [%s]", name, strings.Join(v.Users, ", ")))
		}
		f.removed = append(f.removed, name)
		return nil
	}
	return engine.Missing(fmt.Errorf("get %s: no such volume", name))
}

func testVolumes() []*engine.Volume {
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	return []*engine.Volume{
		{Name: "pgdata", Driver: "local", CreatedAt: at, Users: []string{"c1"}, Labels: map[string]string{"app": "db"}},
		{Name: "scratch", Driver: "local", CreatedAt: at},
	}
}

func execute(cmd *cobra.Command, args ...string) error {
	cmd.SetArgs(append([]string{}, args...)) // never nil: cobra would read os.Args
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.ExecuteContext(context.Background())
}

func TestVolumeLsAgainstFake(t *testing.T) {
	tests := []struct {
		args                []string
		damaged             []error
		wantOut, wantErrOut string
		wantErr             string
		wantFilters         engine.Filters
	}{
		{args: nil, wantFilters: engine.Filters{}, wantOut: "DRIVER    VOLUME NAME\nlocal     pgdata\nlocal     scratch\n"},
		{args: []string{"-q", "-f", "name=scr"}, wantFilters: engine.Filters{"name": {"scr"}}, wantOut: "scratch\n"},
		{args: []string{"--format", "{{.Name}} {{.Links}} {{.Labels}}"}, wantFilters: engine.Filters{}, wantOut: "pgdata 1 app=db\nscratch 0 \n"},
		{args: []string{"-q"}, damaged: []error{errors.New("volume broken is damaged")}, wantFilters: engine.Filters{},
			wantOut: "pgdata\nscratch\n", wantErrOut: "WARNING: volume broken is damaged\n"},
		{args: []string{"-f", "colour=red"}, wantFilters: engine.Filters{"colour": {"red"}}, wantErr: "Error response from daemon: invalid filter 'colour'"},
	}
	for _, tt := range tests {
		fake := &fakeEngine{volumes: testVolumes(), damaged: tt.damaged}
		ios, _, out, errOut := iostreams.Test()
		f := factory.New("test")
		f.IOStreams = ios
		err := execute(NewCmdLs(f, func(o *LsOptions) error {
			o.Engine = func(context.Context) (Lister, error) { return fake, nil }
			return lsRun(context.Background(), o)
		}), tt.args...)
		if got := fmt.Sprint(err); tt.wantErr != "" && got != tt.wantErr || tt.wantErr == "" && err != nil {
			t.Errorf("volume ls %v error = %v, want %q", tt.args, err, tt.wantErr)
		}
		if out.String() != tt.wantOut || errOut.String() != tt.wantErrOut {
			t.Errorf("volume ls %v printed %q / %q, want %q / %q", tt.args, out, errOut, tt.wantOut, tt.wantErrOut)
		}
		if len(fake.filters) != 1 || fmt.Sprint(fake.filters[0]) != fmt.Sprint(tt.wantFilters) {
			t.Errorf("volume ls %v asked for %v, want %v", tt.args, fake.filters, tt.wantFilters)
		}
	}
}

func TestVolumeRmAgainstFake(t *testing.T) {
	tests := []struct {
		args                []string
		wantRemoved         string
		wantOut, wantErrOut string
		wantStatus          bool
	}{
		{args: []string{"scratch"}, wantRemoved: "scratch", wantOut: "scratch\n"},
		// The daemon answers a forced remove of a missing volume as done,
		// so Docker's CLI names it.
		{args: []string{"-f", "nope", "scratch"}, wantRemoved: "scratch", wantOut: "nope\nscratch\n"},
		{args: []string{"pgdata", "nope", "scratch"}, wantRemoved: "scratch", wantOut: "scratch\n", wantStatus: true,
			wantErrOut: "Error response from daemon: remove pgdata: volume is in use - [c1]\n" +
				"Error response from daemon: get nope: no such volume\n"},
	}
	for _, tt := range tests {
		fake := &fakeEngine{volumes: testVolumes()}
		ios, _, out, errOut := iostreams.Test()
		f := factory.New("test")
		f.IOStreams = ios
		err := execute(NewCmdRm(f, func(o *RmOptions) error {
			o.Engine = func(context.Context) (Remover, error) { return fake, nil }
			return rmRun(context.Background(), o)
		}), tt.args...)
		var se *factory.StatusError
		if errors.As(err, &se) != tt.wantStatus || !tt.wantStatus && err != nil {
			t.Errorf("volume rm %v error = %v, want a status error: %v", tt.args, err, tt.wantStatus)
		}
		if out.String() != tt.wantOut || errOut.String() != tt.wantErrOut {
			t.Errorf("volume rm %v printed %q / %q, want %q / %q", tt.args, out, errOut, tt.wantOut, tt.wantErrOut)
		}
		if strings.Join(fake.removed, ",") != tt.wantRemoved {
			t.Errorf("volume rm %v removed %q, want %q", tt.args, fake.removed, tt.wantRemoved)
		}
	}
}
