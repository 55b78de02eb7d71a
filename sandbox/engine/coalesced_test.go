package engine

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Callers that arrive while a reconcile runs share one next run: 50 of
// them cost two runs, not 50, and none takes the result of a run that
// started before it arrived.
func TestCoalescedSharesTheNextRun(t *testing.T) {
	var c coalesced
	var runs atomic.Int32
	release := make(chan struct{})
	first := make(chan struct{})
	go c.do(func() error { runs.Add(1); close(first); <-release; return nil })
	<-first

	var wg, ready sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			errs <- c.do(func() error { runs.Add(1); return nil })
		}()
	}
	// Let the 50 queue behind the first run, then end it. One that is
	// slower to arrive runs again, which is right: the bound is loose.
	ready.Wait()
	time.Sleep(100 * time.Millisecond)
	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("do = %v, want nil", err)
		}
	}
	n := runs.Load()
	if n < 2 || n > 5 {
		t.Errorf("50 callers during a run made %d runs in all, want 2 (the first and one shared)", n)
	}
	c.do(func() error { runs.Add(1); return nil })
	if got := runs.Load(); got != n+1 {
		t.Errorf("a caller after the others made %d runs, want 1: it must run its own", got-n)
	}
}
