package engine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"

	mobycontainer "github.com/moby/moby/api/types/container"
	"golang.org/x/sys/unix"
)

// One container by name: what `docker stop`, `kill`, `wait`, `logs`,
// `exec`, `top`, `diff` and `stats` and their API routes do with it.

// Container is one container by name, id or unique id prefix.
func (e *Engine) Container(ref string) (*Container, error) { return e.containers.Get(ref) }

// Containers are all the containers, in no particular order (docker stats,
// the checker); ListContainers lists them as docker ps does.
func (e *Engine) Containers() ([]*Container, error) { return e.containers.List() }

// StopContainer sends the container's stop signal and kills it after
// timeout (docker stop).
func (e *Engine) StopContainer(ctx context.Context, ref string, timeout time.Duration) error {
	return e.containers.Stop(ctx, ref, timeout)
}

// StopTimeout is how long docker stop and docker restart wait for the
// container to exit before they kill it, from their -t, --timeout or the
// API's t, in seconds: a negative number waits for as long as it takes,
// as Docker's daemon.
func StopTimeout(seconds int) time.Duration {
	if seconds < 0 {
		return 1 << 20 * time.Second
	}
	return time.Duration(seconds) * time.Second
}

// RestartContainer is docker restart and POST /containers/{id}/restart
// (moby's daemon/restart.go): the container is stopped, waiting seconds
// (StopTimeout), and started again. start starts it as the front end
// needs (the API server with the sessions of attached clients); nil starts
// it detached.
func (e *Engine) RestartContainer(ctx context.Context, ref string, seconds int, start func(*Container) error) error {
	c, err := e.containers.Get(ref)
	if err != nil {
		return err
	}
	if err := e.containers.Stop(ctx, c.ID, StopTimeout(seconds)); err != nil {
		return err
	}
	if start == nil {
		_, err = e.StartContainer(ctx, c.ID, StartOptions{})
	} else if c, err = e.containers.Get(c.ID); err == nil {
		err = start(c)
	}
	if err != nil {
		return err
	}
	e.containers.Restarted(c)
	return nil
}

// KillContainer sends sig to the container's process; a SIGKILL returns
// once the exit is recorded, so a remove right after it finds the
// container stopped (docker kill).
func (e *Engine) KillContainer(ctx context.Context, ref string, sig unix.Signal) error {
	err := e.containers.Kill(ctx, ref, sig)
	var nr *NotRunningError
	if errors.As(err, &nr) {
		return fmt.Errorf("cannot kill container: %s: %w", ref, err)
	}
	return err
}

// SignalContainer sends sig to a running container's process and returns
// at once (the signals docker run passes on).
func (e *Engine) SignalContainer(ref string, sig unix.Signal) error {
	return e.containers.Signal(ref, sig)
}

// WaitContainer waits until the container is not running and returns its
// exit code (docker wait).
func (e *Engine) WaitContainer(ctx context.Context, ref string) (int, error) {
	return e.containers.Wait(ctx, ref)
}

// ParseTail reads docker logs --tail and the API's tail as Docker's daemon
// does (daemon/logs.go): a number of lines from the end; what is not one
// ("all", "x", "-1") is all of them, LogOptions.Tail -1.
func ParseTail(s string) int {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 {
		return n
	}
	return -1
}

// ContainerLogs writes the container's log to stdout and stderr, stream
// by stream; with o.Follow until ctx ends or the container stops.
func (e *Engine) ContainerLogs(ctx context.Context, ref string, o LogOptions, stdout, stderr io.Writer) error {
	return e.containers.Logs(ctx, ref, o, stdout, stderr)
}

// ExecContainer runs a process in a running container and returns its
// exit code (docker exec).
func (e *Engine) ExecContainer(ctx context.Context, ref string, o ExecOptions) (int, error) {
	return e.containers.Exec(ctx, ref, o)
}

// ContainerChanges is what the container changed on top of its image
// (docker diff).
func (e *Engine) ContainerChanges(ref string) ([]Change, error) { return e.containers.Changes(ref) }

// ContainerStats is one sample of a running container's resource use, for
// docker stats.
func (e *Engine) ContainerStats(ref string) (*Sample, error) { return e.containers.Stats(ref) }

// ContainerProcesses are the host pids of a running container's processes.
func (e *Engine) ContainerProcesses(ref string) ([]int, error) { return e.containers.Processes(ref) }

// Top is `docker top`: the host's ps run with psArgs (-ef when none), its
// rows limited to the container's processes and split into the columns of
// its header, the last column keeping its spaces, as Docker's daemon
// answers GET /containers/{id}/top.
func (e *Engine) Top(ctx context.Context, ref string, psArgs []string) (mobycontainer.TopResponse, error) {
	pids, err := e.containers.Processes(ref)
	if err != nil {
		return mobycontainer.TopResponse{}, err
	}
	if len(psArgs) == 0 {
		psArgs = []string{"-ef"}
	}
	out, err := exec.CommandContext(ctx, "ps", psArgs...).Output()
	if err != nil {
		return mobycontainer.TopResponse{}, Invalid(fmt.Errorf("ps %s: %w", strings.Join(psArgs, " "), err))
	}
	return parsePs(out, pids)
}

// parsePs keeps the rows of ps's output whose PID is one of pids.
func parsePs(out []byte, pids []int) (mobycontainer.TopResponse, error) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	if !sc.Scan() {
		return mobycontainer.TopResponse{}, errors.New("ps printed nothing")
	}
	titles := strings.Fields(sc.Text())
	col := slices.Index(titles, "PID")
	if col < 0 {
		return mobycontainer.TopResponse{}, Invalid(errors.New("ps's output has no PID column (keep -o pid or use -ef)"))
	}
	resp := mobycontainer.TopResponse{Titles: titles, Processes: [][]string{}}
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < len(titles) {
			continue
		}
		pid, err := strconv.Atoi(fields[col])
		if err != nil || !slices.Contains(pids, pid) {
			continue
		}
		row := append(fields[:len(titles)-1:len(titles)-1], strings.Join(fields[len(titles)-1:], " "))
		resp.Processes = append(resp.Processes, row)
	}
	return resp, nil
}
