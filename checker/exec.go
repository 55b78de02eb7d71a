package checker

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/kballard/go-shellquote"
	search "github.com/moby/buildkit/util/suggest"
	"gopkg.in/yaml.v3"
)

type execSpec struct {
	Command        *shellCommand `yaml:"command"`
	User           string        `yaml:"user"`
	ExitCode       *int          `yaml:"exit_code"`
	Stdout         *string       `yaml:"stdout"`
	StdoutContains *string       `yaml:"stdout_contains"`
	StdoutMatches  *pattern      `yaml:"stdout_matches"`
}

func (s *execSpec) validate(d *decoder, c *Check) {
	if s.Command == nil {
		d.invalid(c, "exec", "missing field \"command\": the command to run in %q, e.g. command: \"cat /etc/hostname\"", c.Subject)
	}
}

func (s *execSpec) evaluate(ctx context.Context, r *run) {
	name := r.check.Subject
	c := needRunning(ctx, r, name, "exec")
	if c == nil {
		return
	}
	res, err := r.env.Engine.Exec(ctx, name, s.Command.argv, s.User)
	switch {
	case errors.Is(err, ErrNotRunning):
		r.unreached = true
		if c, err := r.env.Engine.Container(ctx, name); err == nil {
			notRunning(r, c)
		} else {
			r.fail("exec.no_container", map[string]any{"container": name})
		}
		return
	case missing(err):
		r.unreached = true
		r.fail("exec.no_container", map[string]any{"container": name})
		return
	case err != nil && ctx.Err() != nil:
		data := map[string]any{"command": s.Command.String(),
			"timeout": int(attemptTimeout.Round(time.Second) / time.Second)}
		describeContainer(r, c, data)
		r.fail("exec.timeout", data)
		return
	case err != nil:
		r.engineError(ctx, err)
		return
	}
	r.output = res.Stdout + res.Stderr
	checkOutput(r, "exec", s.Command.String(), shellquote.Join(s.Command.argv...), res, s.ExitCode, s.Stdout, s.StdoutContains, s.StdoutMatches)
	if len(r.findings) > 0 && starting(c) {
		r.waitFor("wait.start", map[string]any{"container": name})
	}
}

// needRunning makes sure the container a check runs in or from exists and
// runs, and returns it; if not, the check fails saying so, and returns nil.
func needRunning(ctx context.Context, r *run, name, prefix string) *Container {
	c, err := r.env.Engine.Container(ctx, name)
	switch {
	case missing(err):
		r.unreached = true
		r.fail(prefix+".no_container", map[string]any{"container": name})
		return nil
	case err != nil:
		r.engineError(ctx, err)
		return nil
	case !c.Running():
		r.unreached = true
		notRunning(r, c)
		return nil
	}
	return c
}

func checkOutput(r *run, prefix, command, argv string, res ExecResult, exitCode *int, stdout, contains *string, matches *pattern) {
	want := 0
	if exitCode != nil {
		want = *exitCode
	}
	data := func(m map[string]any) map[string]any {
		m["command"] = command
		m["argv"] = argv
		m["stderr"] = strings.TrimSpace(firstLine(res.Stderr))
		if strings.TrimSpace(res.Stderr) == "" {
			m["stderr"] = ""
		}
		return m
	}
	out := strings.TrimRight(res.Stdout, "\n")
	if res.ExitCode != want {
		r.fail(prefix+".exit_code", data(map[string]any{"want": want, "found": res.ExitCode}))
		if out == "" {
			// A command that failed and printed nothing: its exit code
			// and error say why; "printed (nothing)" would only repeat it.
			return
		}
	}
	if stdout != nil && out != *stdout {
		r.fail(prefix+".stdout", data(map[string]any{"want": *stdout, "found": firstLine(out)}))
	}
	if contains != nil && !strings.Contains(res.Stdout, *contains) {
		r.fail(prefix+".stdout_contains", data(map[string]any{"want": *contains, "found": firstLine(out)}))
	}
	if matches != nil && !matches.re.MatchString(res.Stdout) {
		r.fail(prefix+".stdout_matches", data(map[string]any{"want": matches.src, "found": firstLine(out)}))
	}
}

// firstLine shortens output for a one-line message.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	line, rest, _ := strings.Cut(s, "\n")
	if len(line) > 120 {
		line = line[:120]
		rest = "x"
	}
	if rest != "" {
		line += " ..."
	}
	if line == "" {
		return nothingValue
	}
	return line
}

// shellCommand is a string run with sh -c, or an argv list.
type shellCommand struct {
	argv  []string
	shell string
}

func (c *shellCommand) decodeNode(d *decoder, n *yaml.Node) error {
	var l List
	if err := l.decodeNode(d, n); err != nil {
		return err
	}
	if len(l) == 0 || l[0] == "" {
		return errWrongType("an empty command")
	}
	if n.Kind == yaml.ScalarNode {
		c.shell, c.argv = l[0], []string{"sh", "-c", l[0]}
	} else {
		c.argv = l
	}
	return nil
}

func (c *shellCommand) describe() string {
	return "a command: a string (run with sh -c) or a list of arguments"
}

func (c *shellCommand) String() string {
	if c.shell != "" {
		return c.shell
	}
	return strings.Join(c.argv, " ")
}

type commandSpec struct {
	ExitCode       *int     `yaml:"exit_code"`
	StdoutContains *string  `yaml:"stdout_contains"`
	StdoutMatches  *pattern `yaml:"stdout_matches"`
	// Why says why no declarative kind fits (e.g. the answer is compared
	// with the engine's own output); with it, lint gives no advice.
	Why string `yaml:"why"`
}

func (s *commandSpec) evaluate(ctx context.Context, r *run) {
	timeout := r.check.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout(KindCommand)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", r.check.Subject)
	cmd.Env, cmd.Dir = r.env.CommandEnv, r.env.CommandDir
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// The shell may start children; kill the whole group at the timeout.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	r.output = stdout.String() + stderr.String()
	res := ExecResult{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.errorf("command.timeout", map[string]any{"command": r.check.Subject, "timeout": timeout.String()})
		return
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	case err != nil:
		r.errorf("command.start", map[string]any{"command": r.check.Subject, "error": err.Error()})
		return
	}
	checkOutput(r, "command", r.check.Subject, "", res, s.ExitCode, nil, s.StdoutContains, s.StdoutMatches)
}

type fileSpec struct {
	Absent   *bool    `yaml:"absent"`
	Dir      *bool    `yaml:"dir"`
	Contains *string  `yaml:"contains"`
	Matches  *pattern `yaml:"matches"`
}

func (s *fileSpec) evaluate(_ context.Context, r *run) {
	p := r.check.Subject
	fi, err := os.Stat(p)
	absent := s.Absent != nil && *s.Absent
	switch {
	case errors.Is(err, os.ErrNotExist):
		if !absent {
			key := "file.missing"
			if s.Dir != nil && *s.Dir {
				key = "file.missing_dir"
			}
			r.fail(key, map[string]any{"near": nearSibling(p)})
		}
		return
	case err != nil:
		r.errorf("file.error", map[string]any{"error": err.Error()})
		return
	case absent:
		r.fail("file.present", nil)
		return
	}
	if s.Dir != nil && *s.Dir != fi.IsDir() {
		if *s.Dir {
			r.fail("file.not_dir", nil)
		} else {
			r.fail("file.is_dir", nil)
		}
		return
	}
	if s.Contains == nil && s.Matches == nil {
		return
	}
	if fi.IsDir() {
		r.fail("file.is_dir", nil)
		return
	}
	data, err := os.ReadFile(p)
	if err != nil {
		r.errorf("file.error", map[string]any{"error": err.Error()})
		return
	}
	r.output = string(data)
	if s.Contains != nil && !strings.Contains(string(data), *s.Contains) {
		r.fail("file.contains", map[string]any{"want": *s.Contains, "found": firstLine(string(data))})
	}
	if s.Matches != nil && !s.Matches.re.Match(data) {
		r.fail("file.matches", map[string]any{"want": s.Matches.src, "found": firstLine(string(data))})
	}
}

type quizSpec struct{}

func (s *quizSpec) evaluate(_ context.Context, r *run) {
	if r.env.Quizzes == nil {
		r.errorf("quiz.unavailable", nil)
		return
	}
	answered, correct, err := r.env.Quizzes.QuizAnswer(r.check.Subject)
	switch {
	case err != nil:
		r.errorf("quiz.error", map[string]any{"error": err.Error()})
	case !answered:
		r.fail("quiz.unanswered", nil)
	case !correct:
		r.fail("quiz.wrong", nil)
	}
}

// vmSpec checks the last `dockyard vm run`; its subject names the record
// (only "last-run" exists).
type vmSpec struct {
	Ran                   *bool   `yaml:"ran"`
	KernelDiffersFromHost *bool   `yaml:"kernel_differs_from_host"`
	ExitCode              *int    `yaml:"exit_code"`
	GuestKernelContains   *string `yaml:"guest_kernel_contains"`
}

func (s *vmSpec) validate(d *decoder, c *Check) {
	if c.Subject != "last-run" {
		d.invalid(c, "vm", "%q is not a record of VM runs: the only one is \"last-run\", e.g. \"vm: last-run\"", c.Subject)
	}
}

func (s *vmSpec) evaluate(ctx context.Context, r *run) {
	vms, ok := r.env.Engine.(VMRuns)
	if !ok {
		r.errorf("vm.unavailable", nil)
		return
	}
	vm, err := vms.LastVMRun(ctx)
	ran := err == nil
	switch {
	case errors.Is(err, ErrUnrecorded):
		r.errorf("vm.unavailable", nil)
		return
	case err != nil && !missing(err):
		r.engineError(ctx, err)
		return
	case s.Ran != nil && *s.Ran != ran:
		if ran {
			r.fail("vm.ran", map[string]any{"command": strings.Join(vm.Command, " ")})
		} else {
			r.fail("vm.none", nil)
		}
		return
	case !ran:
		// Every other field asks about a run.
		if s.KernelDiffersFromHost != nil || s.ExitCode != nil || s.GuestKernelContains != nil {
			r.fail("vm.none", nil)
		}
		return
	}
	r.output = "guest kernel " + vm.GuestKernel + ", host kernel " + vm.HostKernel
	if s.KernelDiffersFromHost != nil && *s.KernelDiffersFromHost != vm.KernelDiffersFromHost {
		key := "vm.same_kernel"
		if !*s.KernelDiffersFromHost {
			key = "vm.other_kernel"
		}
		r.fail(key, map[string]any{"found": vm.GuestKernel, "host": vm.HostKernel})
	}
	if s.ExitCode != nil {
		switch {
		case vm.ExitCode == nil:
			r.fail("vm.detached", map[string]any{"want": *s.ExitCode})
		case *vm.ExitCode != *s.ExitCode:
			r.fail("vm.exit_code", map[string]any{"want": *s.ExitCode, "found": *vm.ExitCode, "command": strings.Join(vm.Command, " ")})
		}
	}
	if s.GuestKernelContains != nil && !strings.Contains(vm.GuestKernel, *s.GuestKernelContains) {
		r.fail("vm.guest_kernel", map[string]any{"want": *s.GuestKernelContains, "found": vm.GuestKernel})
	}
}

// nearSibling returns a path beside p whose name is one or two letters
// away from p's (/tmp/postgres_data for /tmp/postgres-data), or p's name
// without its extension (/tmp/daily-report for /tmp/daily-report.txt):
// most often the student's typo. "" when there is none.
func nearSibling(p string) string {
	dir, name := filepath.Split(filepath.Clean(p))
	if ext := filepath.Ext(name); ext != "" && ext != name {
		bare := filepath.Join(dir, strings.TrimSuffix(name, ext))
		if _, err := os.Lstat(bare); err == nil {
			return bare
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) > 10000 {
		return ""
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	best, ok := search.Search(name, names, true)
	if !ok {
		return ""
	}
	return filepath.Join(dir, best)
}
