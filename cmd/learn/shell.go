package learn

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/lessons/guide"
	"github.com/dockyard-lab/dockyard/lessons/shell"
	"github.com/dockyard-lab/dockyard/sandbox/apiserver"
)

// ShellEnv is set inside `dockyard shell`, so a nested one is refused.
const ShellEnv = "DOCKYARD_SHELL"

// ShellOptions are the flags of `dockyard shell`.
type ShellOptions struct {
	Common
	// Shell is the program to start ($SHELL, else bash).
	Shell string
	// NoServe leaves out the Engine API socket the shell otherwise serves.
	NoServe bool
}

// NewCmdShell builds `dockyard shell`.
func NewCmdShell(f *factory.Factory, runF func(*ShellOptions) error) *cobra.Command {
	opts := &ShellOptions{Common: Common{Factory: f}}
	cmd := &cobra.Command{
		Use:   "shell",
		Short: "Start your shell with docker meaning Dockyard's engine",
		Long: `Start your shell (from $SHELL, else bash) where "docker" runs Dockyard's
engine, so the commands of the lessons work as typed. With bash the prompt
shows the current lesson and step. Leave with "exit".

While the shell runs, Dockyard also serves the Docker Engine API (as
"dockyard serve" does) on a root-only socket and sets DOCKER_HOST to it, so
Docker SDKs, IDE plugins and a real docker client reach the same engine.`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Shell == "" {
				opts.Shell = os.Getenv("SHELL")
			}
			if opts.Shell == "" {
				opts.Shell = "bash"
			}
			if runF != nil {
				return runF(opts)
			}
			return shellRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Shell, "shell", "", "the shell to start (default $SHELL, else bash)")
	cmd.Flags().BoolVar(&opts.NoServe, "no-serve", false, "do not serve the Docker Engine API (DOCKER_HOST) while the shell runs")
	addLessonsFlag(cmd, &opts.Common)
	return cmd
}

// bashrc runs the user's own ~/.bashrc, then puts Dockyard's folder first
// on PATH (the rc may have reset it) and shows the lesson and step, asked
// of `dockyard __prompt` before every prompt, in PS1.
const bashrc = `[ -f ~/.bashrc ] && . ~/.bashrc
PATH=%q:"$PATH"
__dockyard_where() { DOCKYARD_WHERE="$(dockyard __prompt 2>/dev/null)"; }
PROMPT_COMMAND="__dockyard_where${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
PS1='[dockyard${DOCKYARD_WHERE:+ $DOCKYARD_WHERE}] \w \$ '
`

func shellRun(opts *ShellOptions) error {
	f := opts.Factory
	s, err := opts.newSession(false)
	if err != nil {
		return err
	}
	defer s.Close()
	if os.Getenv(ShellEnv) != "" {
		return s.exit(&guide.ErrUsage{Message: s.T("shell.nested")})
	}
	bin, err := shell.NewBin("")
	if err != nil {
		return err
	}
	defer bin.Close()

	extra := append(opts.childEnv(), ShellEnv+"=1")
	args := []string{}
	if filepath.Base(opts.Shell) == "bash" {
		rc := filepath.Join(bin.Dir, "bashrc")
		if err := os.WriteFile(rc, []byte(fmt.Sprintf(bashrc, bin.Dir)), 0o644); err != nil {
			return err
		}
		args = []string{"--rcfile", rc, "-i"}
	} else {
		where := strings.TrimSpace(s.Where())
		extra = append(extra, "PS1=[dockyard "+where+"] $ ")
	}
	s.Note("shell.welcome")
	if !opts.NoServe {
		// Without the API the shell still works: docker means Dockyard.
		if stop, host, err := serveAPI(f, filepath.Join(bin.Dir, "docker.sock")); err != nil {
			s.Note("shell.noapi", err)
		} else {
			defer stop()
			extra = append(extra, "DOCKER_HOST="+host)
			s.Note("shell.api", host)
		}
	}
	cmd := exec.Command(opts.Shell, args...)
	cmd.Env = bin.Env(nil, extra...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f.IOStreams.In, f.IOStreams.Out, f.IOStreams.ErrOut
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		// The shell's status is that of the last command typed; it is not
		// dockyard's failure.
		return nil
	}
	return err
}

// serveAPI serves the Docker Engine API on Dockyard's engine at socket
// (root only) until stop is called, and returns the DOCKER_HOST for it.
func serveAPI(f *factory.Factory, socket string) (stop func(), host string, err error) {
	ctx, cancel := context.WithCancel(context.Background())
	e, err := f.Engine(ctx)
	if err != nil {
		cancel()
		return nil, "", err
	}
	l, err := apiserver.Listen(apiserver.ListenOptions{Path: socket})
	if err != nil {
		cancel()
		return nil, "", err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = apiserver.New(e, apiserver.Options{Version: f.Version}).Serve(ctx, l)
	}()
	return func() { cancel(); <-done }, "unix://" + socket, nil
}
