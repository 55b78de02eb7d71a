package compare

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// containerSide runs the workload in a new container each time, through
// Dockyard's engine, as `docker run --network none <image> sh -c ...` would.
type containerSide struct {
	open    func(context.Context) (*engine.Engine, error)
	ref     string
	timeout time.Duration
	// log receives what getting a missing image prints (a pull, or the
	// offline bake's progress).
	log io.Writer
	e   *engine.Engine
}

func (s *containerSide) Name() string { return "container" }

func (s *containerSide) Prepare(ctx context.Context) (Info, error) {
	e, err := s.open(ctx)
	if err != nil {
		return Info{}, fmt.Errorf("container engine not available: %w", err)
	}
	s.e = e
	log := orDiscard(s.log)
	ctx = engine.WithBakeOutput(ctx, log)
	img, err := e.EnsureImage(ctx, s.ref, func() {
		fmt.Fprintf(log, "Unable to find image '%s' locally: getting it first\n", s.ref)
	}, nil)
	if err != nil {
		return Info{}, fmt.Errorf("image %s: %w", s.ref, err)
	}
	return Info{
		Disk:       Disk{Bytes: img.Size, What: fmt.Sprintf("image %s, unpacked", s.ref)},
		MemoryWhat: "container cgroup peak",
	}, nil
}

func (s *containerSide) Run(ctx context.Context, out *firstByte) (Run, error) {
	code, err := s.run(ctx, Workload, false, out, nil)
	if err != nil {
		return Run{}, err
	}
	return Run{Wall: out.Since(), ExitCode: code}, nil
}

func (s *containerSide) Details() string { return "network none" }

// PeakMemory runs the workload once more, holding the container open at
// the end (it waits on stdin) to read its cgroup's peak memory usage, which
// disappears with the container.
func (s *containerSide) PeakMemory(ctx context.Context) (int64, error) {
	held := []string{"sh", "-c", Workload[2] + "; read _ || true"} // read ends at EOF, with 1
	var peak int64
	code, err := s.run(ctx, held, true, nil, func(c *engine.Container) error {
		pids, err := s.e.ContainerProcesses(c.ID)
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return errors.New("the container has no processes")
		}
		peak, err = cgroupMemoryPeak(pids[0])
		return err
	})
	if err != nil {
		return 0, err
	}
	if code != 0 {
		return 0, fmt.Errorf("the held workload exited with %d", code)
	}
	return peak, nil
}

// run creates, starts and removes one container running cmd. With hold,
// the container's stdin stays open until the workload's two lines are out
// and atEnd has looked at it.
func (s *containerSide) run(ctx context.Context, cmd []string, hold bool, out io.Writer, atEnd func(*engine.Container) error) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	c, _, err := s.e.CreateContainer(ctx, engine.CreateOptions{Image: s.ref, Cmd: cmd, Network: "none", OpenStdin: hold})
	if err != nil {
		return 0, fmt.Errorf("create container: %w", err)
	}
	defer s.e.RemoveContainer(context.Background(), c.ID, true, false) //nolint:errcheck // best effort: the run's result matters more
	a, err := s.e.StartContainer(ctx, c.ID, engine.StartOptions{Attach: true})
	if err != nil {
		return 0, fmt.Errorf("start container: %w", err)
	}
	if a == nil {
		return 0, errors.New("start container: no attachment to its output")
	}
	defer a.Close()
	// A container that overruns the timeout is removed by force, which
	// ends the stream below.
	stop := context.AfterFunc(ctx, func() { s.e.RemoveContainer(context.Background(), c.ID, true, false) })
	defer stop()

	var stdin io.Reader
	var closeStdin func()
	lines := &lineWaiter{want: 2, done: make(chan struct{})}
	if hold {
		pr, pw := io.Pipe()
		stdin, closeStdin = pr, func() { pw.Close() }
		out = io.MultiWriter(lines, orDiscard(out))
	}
	type result struct {
		code int
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := a.Stream(stdin, out, out)
		done <- result{code, err}
	}()
	if hold {
		select {
		case <-lines.done:
			err := atEnd(c)
			closeStdin()
			if err != nil {
				<-done
				return 0, err
			}
		case r := <-done:
			return r.code, fmt.Errorf("the container ended before its output was complete: %v", r.err)
		}
	}
	r := <-done
	if ctx.Err() != nil {
		return 0, fmt.Errorf("container did not finish within %s: removed it", s.timeout)
	}
	return r.code, r.err
}

// lineWaiter closes done once it has seen want newlines.
type lineWaiter struct {
	mu   sync.Mutex
	want int
	done chan struct{}
}

func (l *lineWaiter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.want > 0 {
		l.want -= bytes.Count(p, []byte("\n"))
		if l.want <= 0 {
			close(l.done)
		}
	}
	return len(p), nil
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// cgroupMemoryPeak reads the peak memory usage of pid's memory cgroup:
// memory.max_usage_in_bytes under cgroup v1, memory.peak under v2.
func cgroupMemoryPeak(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return 0, fmt.Errorf("find the container's cgroup: %w", err)
	}
	defer f.Close()
	var candidates []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "hierarchy-id:controllers:path"
		parts := strings.SplitN(sc.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, ctl := range strings.Split(parts[1], ",") {
			if ctl == "memory" {
				candidates = append([]string{filepath.Join("/sys/fs/cgroup/memory", parts[2], "memory.max_usage_in_bytes")}, candidates...)
			}
		}
		if parts[0] == "0" && parts[1] == "" {
			candidates = append(candidates, filepath.Join("/sys/fs/cgroup", parts[2], "memory.peak"))
		}
	}
	for _, c := range candidates {
		b, err := os.ReadFile(c)
		if err != nil {
			continue
		}
		return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	}
	return 0, fmt.Errorf("no memory cgroup usage found for pid %d (looked at %s)", pid, strings.Join(candidates, ", "))
}
