package network

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"testing"
)

func TestConfigureStartForget(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	if _, err := s.Create(ctx, CreateOptions{Name: "app-net"}); err != nil {
		t.Fatal(err)
	}
	err := s.Configure(ctx, randomID(), Config{Name: "bad", Networks: []EndpointRequest{{Network: "nope"}, {Network: "bridge", Aliases: []string{"x"}}}})
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "aliases are only supported") {
		t.Errorf("Configure with two problems: error = %v, want both reported", err)
	}

	web := randomID()
	ports := []PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1"), ContainerPort: 80, Proto: "tcp"}}
	if err := s.Configure(ctx, web, Config{Name: "web", Networks: []EndpointRequest{{Network: "app-net", Aliases: []string{"www"}}}, Ports: ports}); err != nil {
		t.Fatal(err)
	}
	att, err := s.Start(ctx, web, "web", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if att.Endpoints[0].NetworkName != "app-net" || att.Ports[0].HostPort == 0 {
		t.Errorf("Start = %+v, want app-net and a random host port", att)
	}
	// Another container asking for the host port web holds is created, as
	// Docker creates it (Compose's recreate makes the new container while
	// the old one runs), and fails at start; run asks CheckPorts first.
	taken := []PortBinding{att.Ports[0]}
	web2 := randomID()
	if err := s.Configure(ctx, web2, Config{Name: "web2", Ports: taken}); err != nil {
		t.Errorf("Configure on a taken port: error = %v, want the container created", err)
	}
	if _, err := s.Start(ctx, web2, "web2", "", ""); err == nil || !strings.Contains(err.Error(), "already allocated") {
		t.Errorf("Start on a taken port: error = %v, want already allocated", err)
	}
	if err := s.CheckPorts(ctx, "web3", taken); err == nil || !strings.Contains(err.Error(), `already allocated (published by container "web"`) {
		t.Errorf("CheckPorts on a taken port: error = %v, want already allocated by web", err)
	}
	if err := s.Forget(ctx, web2); err != nil {
		t.Fatal(err)
	}

	// A stopped container connected to a network does not hold it (only
	// running containers have endpoints, as in libnetwork); its next
	// start finds the network gone.
	idle := randomID()
	if err := s.Configure(ctx, idle, Config{Name: "idle"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, CreateOptions{Name: "later"}); err != nil {
		t.Fatal(err)
	}
	if err := s.ConnectConfig(ctx, idle, "idle", EndpointRequest{Network: "later"}); err != nil {
		t.Fatal(err)
	}
	if err := s.ConnectConfig(ctx, idle, "idle", EndpointRequest{Network: "later"}); err == nil {
		t.Errorf("ConnectConfig twice succeeded")
	}
	if _, err := s.Remove(ctx, "later"); err != nil {
		t.Errorf("Remove(later) with only a stopped container on it: %v, want it removed", err)
	}
	if _, err := s.Start(ctx, idle, "idle", "", ""); !errors.Is(err, ErrNotFound) {
		t.Errorf("Start of a container whose network was removed = %v, want ErrNotFound", err)
	}
	// A running container joins at once.
	if err := s.ConnectConfig(ctx, web, "web", EndpointRequest{Network: "bridge"}); err != nil {
		t.Fatal(err)
	}
	if a, _ := s.Attachment(web); len(a.Endpoints) != 2 || a.Endpoints[1].IfName != "eth1" {
		t.Errorf("after connect: endpoints %+v, want eth0 and eth1", a.Endpoints)
	}

	if err := s.Forget(ctx, web); err != nil {
		t.Fatal(err)
	}
	if err := s.ForgetGone(ctx, func(string) bool { return false }); err != nil {
		t.Fatal(err)
	}
	st, _ := s.read()
	if len(st.Configs) != 0 || len(st.Sandboxes) != 0 || len(st.Endpoints) != 0 {
		t.Errorf("after Forget: %d configs, %d sandboxes, %d endpoints", len(st.Configs), len(st.Sandboxes), len(st.Endpoints))
	}
	if _, err := s.Remove(ctx, "app-net"); err != nil {
		t.Errorf("Remove(app-net) after Forget: %v", err)
	}
}

// TestDamagedState: a state.json cut short or garbled gives one line naming
// the file and the way out (found by QA: it said "parse <path>: unexpected
// end of JSON input"), and moving it away as the line says starts again
// with the default networks.
func TestDamagedState(t *testing.T) {
	for _, content := range []string{"", `{"networks": {`, "\x00garbage", `{"networks": 5}`} {
		t.Run(fmt.Sprintf("%q", content), func(t *testing.T) {
			s := newTestStore(t)
			ctx := context.Background()
			if _, err := s.Create(ctx, CreateOptions{Name: "app-net"}); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(s.statePath(), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := s.List(ctx)
			var d *DamagedStateError
			want := "network state " + s.statePath() + " is damaged ("
			fix := "; move it away to start again with only the default networks: mv " + s.statePath() + " " + s.statePath() + ".damaged"
			if !errors.As(err, &d) || !strings.HasPrefix(err.Error(), want) || !strings.HasSuffix(err.Error(), fix) {
				t.Fatalf("List() error = %v, want %q...%q", err, want, fix)
			}
			if err := os.Rename(s.statePath(), s.statePath()+".damaged"); err != nil {
				t.Fatal(err)
			}
			nets, err := s.List(ctx)
			if err != nil {
				t.Fatalf("List() after moving the state away: %v", err)
			}
			var names []string
			for _, n := range nets {
				names = append(names, n.Name)
			}
			if got := strings.Join(names, " "); got != "bridge host none" {
				t.Errorf("networks after moving the state away = %q, want %q", got, "bridge host none")
			}
		})
	}
}

// TestNoRecordIsNone: a container created on none has no record; connect
// and disconnect start from none, and a container disconnected from its
// last network starts with loopback only (on main it joined the default
// bridge again).
func TestNoRecordIsNone(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	// On a fresh root too, where no network command made the defaults yet.
	if err := s.DisconnectConfig(ctx, randomID(), "first", "none"); err != nil {
		t.Fatalf("DisconnectConfig(none) on a fresh root: %v", err)
	}
	if _, err := s.Create(ctx, CreateOptions{Name: "front"}); err != nil {
		t.Fatal(err)
	}
	lone := randomID()
	if err := s.ConnectConfig(ctx, lone, "lone", EndpointRequest{Network: "front"}); err == nil || !strings.Contains(err.Error(), "none") {
		t.Errorf("ConnectConfig(front) on none: error = %v, want none cannot be combined", err)
	}
	if _, ok := s.ConfigOf(lone); ok {
		t.Errorf("a refused connect recorded a configuration")
	}
	if err := s.DisconnectConfig(ctx, lone, "lone", "none"); err != nil {
		t.Fatal(err)
	}
	if err := s.ConnectConfig(ctx, lone, "lone", EndpointRequest{Network: "front", Aliases: []string{"solo"}}); err != nil {
		t.Fatal(err)
	}
	cfg, _ := s.ConfigOf(lone)
	if len(cfg.Networks) != 1 || cfg.Networks[0].Network != "front" || cfg.Name != "lone" {
		t.Errorf("ConfigOf after disconnect none, connect front = %+v, want front only", cfg)
	}

	// Disconnected from every network: started on none.
	web := randomID()
	if err := s.Configure(ctx, web, Config{Name: "web"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DisconnectConfig(ctx, web, "web", "bridge"); err != nil {
		t.Fatal(err)
	}
	att, err := s.Start(ctx, web, "web", "", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Forget(context.Background(), web) })
	if !att.Mode.IsNone() || len(att.Endpoints) != 0 {
		t.Errorf("Start after the last disconnect: mode %q, %d endpoints, want none and no endpoints", att.Mode, len(att.Endpoints))
	}
}
