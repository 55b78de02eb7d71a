package events

import (
	"context"
	"testing"
	"time"
)

// A follower sees events appended after it started, filtered, and a
// replay with since/until sees only those in the window.
func TestFollowAndReplay(t *testing.T) {
	l := Open(t.TempDir())
	t0 := time.Now()
	l.Emit(Container, "create", "a", map[string]string{"name": "one"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan Message, 8)
	go func() {
		_ = l.Read(ctx, Options{Follow: true, Match: func(m Message) bool { return m.Type == Volume }}, func(m Message) error {
			got <- m
			return nil
		})
	}()
	time.Sleep(3 * pollInterval)
	l.Emit(Container, "start", "a", nil)
	l.Emit(Volume, "create", "v1", nil)
	select {
	case m := <-got:
		if m.Type != Volume || m.Action != "create" || m.Actor.ID != "v1" {
			t.Errorf("followed event = %+v, want volume create v1", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no event followed within 5s")
	}
	var replay []string
	err := l.Read(context.Background(), Options{Since: t0, Until: time.Now()}, func(m Message) error {
		replay = append(replay, m.Type+" "+m.Action)
		return nil
	})
	if err != nil || len(replay) != 3 || replay[0] != "container create" || replay[2] != "volume create" {
		t.Errorf("replay = %q, %v; want the three events in order", replay, err)
	}
	if m := New(Container, "die", "a", map[string]string{"image": "busybox"}, t0); m.Status != "die" || m.From != "busybox" || m.Scope != "local" {
		t.Errorf("New container message = %+v, want the old API's status and from fields", m)
	}
}
