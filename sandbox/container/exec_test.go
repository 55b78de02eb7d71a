package container_test

import (
	"context"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/container"
)

// Execs into a container that is being killed, from a process that lives
// on (as `dockyard serve` does), leave no zombie behind in it and do not
// keep the stop from ending: a failed exec's half-made processes are this
// process's children (libcontainer's CLONE_PARENT) and are reaped.
func TestExecIntoADyingContainerLeavesNoZombie(t *testing.T) {
	s := openStore(t)
	c, err := s.Create(shSpec(busyboxRootfs(t), "sleep 60"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Remove(context.Background(), c.ID, true) })
	for i := range 8 {
		if _, err := s.Start(context.Background(), c.ID, container.StartOptions{}); err != nil {
			t.Fatal(err)
		}
		execing, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			for {
				select {
				case <-execing:
					return
				default:
				}
				_, _ = s.Exec(context.Background(), c.ID, container.ExecOptions{Cmd: []string{"true"}, Stdout: io.Discard, Stderr: io.Discard})
			}
		}()
		time.Sleep(20 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		err := s.Stop(ctx, c.ID, 0)
		cancel()
		close(execing)
		<-done
		if err != nil {
			t.Fatalf("stop %d while execs join the container: %v", i+1, err)
		}
	}
	before := zombieChildren(t, os.Getpid())
	time.Sleep(500 * time.Millisecond)
	for _, z := range zombieChildren(t, os.Getpid()) {
		if slices.Contains(before, z) {
			t.Errorf("this process has a zombie child %s", z)
		}
	}
}
