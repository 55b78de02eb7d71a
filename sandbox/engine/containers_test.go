package engine

import (
	"fmt"
	"net/netip"
	"reflect"
	"runtime"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

func TestMergeConfig(t *testing.T) {
	image := &v1.ConfigFile{Config: v1.Config{
		Entrypoint: []string{"/entry"}, Cmd: []string{"serve"},
		Env: []string{"PATH=/bin", "MODE=prod"}, WorkingDir: "/app", User: "app",
	}}
	empty := ""
	sh := "sh"
	tests := []struct {
		name string
		opts CreateOptions
		want container.Config
	}{
		{"the image's config", CreateOptions{},
			container.Config{Entrypoint: []string{"/entry"}, Cmd: []string{"serve"}, Env: []string{"PATH=/bin", "MODE=prod"}, WorkingDir: "/app", User: "app"}},
		{"arguments replace Cmd", CreateOptions{Cmd: []string{"debug"}},
			container.Config{Entrypoint: []string{"/entry"}, Cmd: []string{"debug"}, Env: []string{"PATH=/bin", "MODE=prod"}, WorkingDir: "/app", User: "app"}},
		{"--entrypoint drops the image's Cmd", CreateOptions{Entrypoint: &sh},
			container.Config{Entrypoint: []string{"sh"}, Env: []string{"PATH=/bin", "MODE=prod"}, WorkingDir: "/app", User: "app"}},
		{"--entrypoint '' clears it", CreateOptions{Entrypoint: &empty, Cmd: []string{"ls"}},
			container.Config{Cmd: []string{"ls"}, Env: []string{"PATH=/bin", "MODE=prod"}, WorkingDir: "/app", User: "app"}},
		{"-e first, then the image's others, -w -u -h", CreateOptions{Env: []string{"MODE=dev", "X=1"}, WorkingDir: "/tmp", User: "root", Hostname: "box"},
			container.Config{Entrypoint: []string{"/entry"}, Cmd: []string{"serve"}, Env: []string{"MODE=dev", "X=1", "PATH=/bin"}, WorkingDir: "/tmp", User: "root", Hostname: "box"}},
	}
	for _, tt := range tests {
		got := mergeConfig(image, tt.opts)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: mergeConfig = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestMergeEnvTakesBareNamesFromTheCaller(t *testing.T) {
	t.Setenv("DOCKYARD_TEST_VAR", "from-host")
	got := mergeEnv([]string{"A=1"}, []string{"DOCKYARD_TEST_VAR", "DOCKYARD_UNSET_VAR"})
	want := []string{container.DefaultPathEnv, "DOCKYARD_TEST_VAR=from-host", "A=1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("mergeEnv = %q, want %q", got, want)
	}
}

func TestCheckCreateReportsEveryProblem(t *testing.T) {
	e := &Engine{}
	err := e.checkCreate(CreateOptions{
		Image: "busybox", Privileged: true, AutoRemove: true,
		Restart:   container.RestartPolicy{Name: "always"},
		CapAdd:    []string{"NOPE"},
		Name:      "bad name",
		Resources: container.Resources{Memory: 1024},
	})
	if err == nil {
		t.Fatal("checkCreate accepted bad options")
	}
	for _, want := range []string{"--privileged", "can't create 'AutoRemove' container with restart policy", `invalid capability "NOPE"`, "Invalid container name (bad name)", "Minimum memory limit"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("checkCreate error %q lacks %q", err, want)
		}
	}
	if err := e.checkCreate(CreateOptions{Image: "busybox", CapAdd: []string{"net_admin"}, CapDrop: []string{"ALL"}}); err != nil {
		t.Errorf("checkCreate(good options) = %v", err)
	}
}

// TestCheckCreateSaysWhatDockersDaemonSays: restart policies and CPUs are
// the daemon's to check in Docker, so both front ends print its words.
func TestCheckCreateSaysWhatDockersDaemonSays(t *testing.T) {
	cpus := fmt.Sprintf("range of CPUs is from 0.01 to %[1]d.00, as there are only %[1]d CPUs available", runtime.NumCPU())
	tests := []struct {
		restart container.RestartPolicy
		nano    int64
		want    string
	}{
		{restart: container.RestartPolicy{Name: "bogus"}, want: "invalid restart policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"},
		{restart: container.RestartPolicy{Name: "always", MaximumRetryCount: 3}, want: "invalid restart policy: maximum retry count can only be used with 'on-failure'"},
		{restart: container.RestartPolicy{Name: "no", MaximumRetryCount: -1}, want: "invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative"},
		{restart: container.RestartPolicy{Name: "on-failure", MaximumRetryCount: -1}, want: "invalid restart policy: maximum retry count cannot be negative"},
		{restart: container.RestartPolicy{Name: "on-failure", MaximumRetryCount: 3}},
		{nano: -1e9, want: cpus},
		{nano: 1e6, want: cpus},
		{nano: int64(runtime.NumCPU()+1) * 1e9, want: cpus},
		{nano: 5e8},
	}
	for _, tt := range tests {
		err := (&Engine{}).checkCreate(CreateOptions{Image: "busybox", Restart: tt.restart, Resources: container.Resources{NanoCPUs: tt.nano}})
		if tt.want == "" {
			if err != nil {
				t.Errorf("checkCreate(%+v, %d nano CPUs) = %v, want nil", tt.restart, tt.nano, err)
			}
			continue
		}
		if err == nil || err.Error() != tt.want || KindOf(err) != InvalidArgument {
			t.Errorf("checkCreate(%+v, %d nano CPUs) = %v, want %q (invalid)", tt.restart, tt.nano, err, tt.want)
		}
	}
}

func TestCheckCreateValidatesEnvironment(t *testing.T) {
	tests := []struct {
		env     string
		wantErr string
	}{
		{env: "A=1"},
		{env: "A="},
		{env: "A"}, // taken from the caller's environment
		{env: "A=x=y"},
		{env: "=x", wantErr: "invalid environment variable: =x"},
		{env: "=", wantErr: "invalid environment variable: ="},
		{env: "A=a\x00b", wantErr: `invalid environment variable: A=a\x00b`},
	}
	e := &Engine{}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			err := e.checkCreate(CreateOptions{Image: "busybox", Env: []string{tt.env}})
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("checkCreate(-e %q) = %v, want nil", tt.env, err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("checkCreate(-e %q) = %v, want %q", tt.env, err, tt.wantErr)
			}
		})
	}
}

func TestCreateWarnings(t *testing.T) {
	ports := map[string][]container.PortBinding{"80/tcp": {{HostPort: "8080"}}}
	tests := []struct {
		name string
		o    CreateOptions
		want []string
	}{
		{"host network with -p", CreateOptions{Network: "host", PortBindings: ports}, []string{"Published ports are discarded when using host network mode"}},
		{"host network with -P", CreateOptions{Network: "host", PublishAll: true}, []string{"Published ports are discarded when using host network mode"}},
		{"host network alone", CreateOptions{Network: "host"}, nil},
		{"bridge with -p", CreateOptions{PortBindings: ports}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := createWarnings(tt.o); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("createWarnings = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMergeEnvDefaultPath: Config.Env holds -e's variables, then the
// image's others (moby's merge), and Docker's default PATH when neither
// sets one, as the process gets it.
func TestMergeEnvDefaultPath(t *testing.T) {
	t.Setenv("PATH", "/host/bin")
	tests := []struct {
		name        string
		image, user []string
		want        []string
	}{
		{"none anywhere", nil, nil, []string{container.DefaultPathEnv}},
		{"image has none", []string{"A=1"}, []string{"B=2"}, []string{container.DefaultPathEnv, "B=2", "A=1"}},
		{"-e first, then the image's it leaves", []string{"PATH=/img", "A=1"}, []string{"B=2", "A=3"}, []string{"B=2", "A=3", "PATH=/img"}},
		{"the image's PATH", []string{"PATH=/img"}, nil, []string{"PATH=/img"}},
		{"-e PATH=", nil, []string{"PATH=/mine"}, []string{"PATH=/mine"}},
		{"bare -e PATH takes the caller's", nil, []string{"PATH"}, []string{"PATH=/host/bin"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mergeEnv(tt.image, tt.user); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("mergeEnv(%q, %q) = %q, want %q", tt.image, tt.user, got, tt.want)
			}
		})
	}
}

func TestNaturalLess(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"pxn9", "pxn10", true},
		{"pxn10", "pxn9", false},
		{"a", "b", true},
		{"a", "a1", true},
		{"v01", "v1", false},
		{"v1", "v01", true},
		{"bridge", "host", true},
		{"x2y", "x2z", true},
	}
	for _, tt := range tests {
		if got := naturalLess(tt.a, tt.b); got != tt.want {
			t.Errorf("naturalLess(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

// TestPublishedPorts: HostConfig.PortBindings read into the network
// store's bindings (the one conversion from the flag to the proxy), with
// every binding the proxies cannot serve refused at once.
func TestPublishedPorts(t *testing.T) {
	got, err := publishedPorts(map[string][]container.PortBinding{
		"5432/tcp": {{HostIP: "127.0.0.1", HostPort: "5433"}},
		"53/udp":   {{HostPort: ""}}, // -p 53/udp: any address, a random port
		"80":       {{HostPort: "8080"}, {HostIP: "127.0.0.1", HostPort: "8081"}},
	})
	want := []network.PortBinding{
		{HostIP: netip.IPv4Unspecified(), ContainerPort: 53, Proto: "udp"},
		{HostIP: netip.IPv4Unspecified(), HostPort: 8080, ContainerPort: 80, Proto: "tcp"},
		{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: 8081, ContainerPort: 80, Proto: "tcp"},
		{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: 5433, ContainerPort: 5432, Proto: "tcp"},
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("publishedPorts = %v, %v\nwant %v", got, err, want)
	}

	_, err = publishedPorts(map[string][]container.PortBinding{
		"9/sctp":   {{HostPort: "9"}},
		"80/tcp":   {{HostIP: "::1", HostPort: "8080"}},
		"http/tcp": {{HostPort: "1"}},
	})
	for _, want := range []string{"only tcp and udp", "only IPv4 host addresses", `invalid port "http/tcp"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("publishedPorts(bad) error = %v, want it to mention %q", err, want)
		}
	}
}
