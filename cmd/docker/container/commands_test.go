package container

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/docker/inspect"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// The commands' own logic (flags to engine options, output, exit status)
// against fakeEngine: no root, no engine.

func TestPsAgainstFake(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		args       []string
		damaged    []error
		want       engine.ListOptions
		wantOut    string
		wantErrOut string
		wantErr    string
	}{
		{name: "running", args: nil, want: engine.ListOptions{Limit: -1, Filters: engine.Filters{}},
			wantOut: "CONTAINER ID   IMAGE     COMMAND                  CREATED             STATUS              PORTS     NAMES\n" +
				"aaaaaaaaaaaa   nginx     \"nginx -g 'daemon of…\"   About an hour ago   Up About a minute             web\n"},
		{name: "all quiet", args: []string{"-aq"}, want: engine.ListOptions{All: true, Limit: -1, Filters: engine.Filters{}},
			wantOut: "aaaaaaaaaaaa\nbbbbbbbbbbbb\n"},
		{name: "latest is a limit of one", args: []string{"-l", "-q", "--no-trunc"}, want: engine.ListOptions{Limit: 1, Filters: engine.Filters{}},
			wantOut: strings.Repeat("a", 64) + "\n"},
		{name: "filter and format", args: []string{"-a", "-f", "name=job", "--format", "{{.Names}} {{.Status}}"},
			want:    engine.ListOptions{All: true, Limit: -1, Filters: engine.Filters{"name": {"job"}}},
			wantOut: "job Exited (3) 30 minutes ago\n"},
		{name: "damaged record warned", args: []string{"-q"}, damaged: []error{errors.New(`container ccc is damaged: remove it with "docker rm -f ccc"`)},
			want: engine.ListOptions{Limit: -1, Filters: engine.Filters{}}, wantOut: "aaaaaaaaaaaa\n",
			wantErrOut: "WARNING: container ccc is damaged: remove it with \"docker rm -f ccc\"\n"},
		{name: "engine refuses a filter", args: []string{"-f", "colour=red"}, want: engine.ListOptions{Limit: -1, Filters: engine.Filters{"colour": {"red"}}},
			wantErr: "Error response from daemon: invalid filter 'colour'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeEngine{containers: testContainers(now), damaged: tt.damaged}
			out, errOut, err := execute(func(f *factory.Factory) *cobra.Command {
				return NewCmdPs(f, func(o *PsOptions) error {
					o.Engine = func(context.Context) (Lister, error) { return fake, nil }
					o.Now = func() time.Time { return now }
					return psRun(context.Background(), o)
				})
			}, tt.args...)
			if gotErr := errString(err); gotErr != tt.wantErr {
				t.Errorf("ps %v error = %q, want %q", tt.args, gotErr, tt.wantErr)
			}
			if out != tt.wantOut || errOut != tt.wantErrOut {
				t.Errorf("ps %v printed\n%s%s\nwant\n%s%s", tt.args, out, errOut, tt.wantOut, tt.wantErrOut)
			}
			if len(fake.listed) != 1 || !sameList(fake.listed[0], tt.want) {
				t.Errorf("ps %v asked the engine for %+v, want %+v", tt.args, fake.listed, tt.want)
			}
		})
	}
}

// TestPsBadFilterIsAFlagError: a filter without "=" is the client's to
// refuse, before the engine is asked.
func TestPsBadFilterIsAFlagError(t *testing.T) {
	fake := &fakeEngine{}
	_, _, err := execute(func(f *factory.Factory) *cobra.Command {
		return NewCmdPs(f, func(o *PsOptions) error {
			o.Engine = func(context.Context) (Lister, error) { return fake, nil }
			return psRun(context.Background(), o)
		})
	}, "-f", "nonsense")
	var fe *factory.FlagError
	if !errors.As(err, &fe) || len(fake.listed) != 0 {
		t.Errorf("ps -f nonsense = %v (engine asked %d times), want a flag error and no engine call", err, len(fake.listed))
	}
}

func TestRmAgainstFake(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name                string
		args                []string
		wantRemoved         []string
		wantOut, wantErrOut string
		wantStatus          int
	}{
		{name: "one", args: []string{"job"}, wantRemoved: []string{"job false false"}, wantOut: "job\n"},
		{name: "force and volumes", args: []string{"-fv", "web"}, wantRemoved: []string{"web true true"}, wantOut: "web\n"},
		{name: "running refused, others go on", args: []string{"web", "nope", "job"}, wantRemoved: []string{"job false false"}, wantOut: "job\n",
			wantErrOut: "Error response from daemon: cannot remove container \"web\": container is running: stop the container before removing or force remove\n" +
				"Error response from daemon: No such container: nope\n",
			wantStatus: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeEngine{containers: testContainers(now)}
			out, errOut, err := execute(func(f *factory.Factory) *cobra.Command {
				return NewCmdRm(f, func(o *RmOptions) error {
					o.Engine = func(context.Context) (Remover, error) { return fake, nil }
					return rmRun(context.Background(), o)
				})
			}, tt.args...)
			if got := statusOf(err); got != tt.wantStatus {
				t.Errorf("rm %v exit status = %d (%v), want %d", tt.args, got, err, tt.wantStatus)
			}
			if out != tt.wantOut || errOut != tt.wantErrOut {
				t.Errorf("rm %v printed\n%s%s\nwant\n%s%s", tt.args, out, errOut, tt.wantOut, tt.wantErrOut)
			}
			if strings.Join(fake.removed, ",") != strings.Join(tt.wantRemoved, ",") {
				t.Errorf("rm %v removed %q, want %q", tt.args, fake.removed, tt.wantRemoved)
			}
		})
	}
}

// TestContainerInspectAgainstFake: numbers stay integers in templates, and
// a missing container is the daemon's answer with exit status 1, as
// docker container inspect prints it.
func TestContainerInspectAgainstFake(t *testing.T) {
	fake := &fakeEngine{containers: testContainers(time.Now())}
	run := func(args ...string) (string, string, error) {
		return execute(func(f *factory.Factory) *cobra.Command {
			return NewCmdInspect(f, func(o *inspect.Options) error {
				o.Engine = func(context.Context) (inspect.Engine, error) { return fake, nil }
				return inspect.Run(context.Background(), o)
			})
		}, args...)
	}
	out, errOut, err := run("--format", "{{.Name}} {{.State.Status}} {{.State.Pid}} {{gt .State.Pid 0}}", "web", "job")
	if err != nil || out != "/web running 42 true\n/job exited 0 false\n" || errOut != "" {
		t.Errorf("container inspect --format = %q, %q, %v; want both lines, no error", out, errOut, err)
	}
	out, errOut, err = run("--format", "{{.Name}}", "web", "nope")
	if statusOf(err) != 1 || out != "/web\n" || errOut != "Error response from daemon: No such container: nope\n" {
		t.Errorf("container inspect of a missing one = %q, %q, %v; want the found one, Docker's error line and status 1", out, errOut, err)
	}
}

func sameList(a, b engine.ListOptions) bool {
	if a.All != b.All || a.Limit != b.Limit || len(a.Filters) != len(b.Filters) {
		return false
	}
	for k, v := range a.Filters {
		if strings.Join(v, ",") != strings.Join(b.Filters[k], ",") {
			return false
		}
	}
	return true
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// statusOf is the exit status a command's error asks for (0 without one).
func statusOf(err error) int {
	var se *factory.StatusError
	if errors.As(err, &se) {
		return se.Code
	}
	if err != nil {
		return -1
	}
	return 0
}
