package vm

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/cmd/learn"
	"github.com/dockyard-lab/dockyard/lessons/i18n"
	"github.com/dockyard-lab/dockyard/sandbox/vm"
)

// detachKey is Ctrl-], telnet's escape: it leaves the console and the VM
// keeps running.
const detachKey = 0x1d

// ConsoleOptions are the parsed flags of `vm console`.
type ConsoleOptions struct {
	IO   *iostreams.IOStreams
	Root string
	ID   string
	// Lang is the student's language, for what the console says around
	// the guest's own output.
	Lang string
}

// NewCmdConsole returns `dockyard vm console`.
func NewCmdConsole(f *factory.Factory, runF func(*ConsoleOptions) error) *cobra.Command {
	opts := &ConsoleOptions{IO: f.IOStreams}
	return &cobra.Command{
		Use:   "console VM",
		Short: "Attach to a detached VM's serial console (Ctrl-] to leave)",
		Long: `Attach your terminal to the serial console of a VM started with
"dockyard vm run -d": a shell when it was started without a command. Press
Ctrl-] to leave; the VM keeps running. Typing exit in its shell powers it off.`,
		Args: cli.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			opts.Root, opts.ID = f.Root, args[0]
			lang, err := (&learn.Common{Factory: f}).Lang()
			if err != nil {
				return &factory.FlagError{Err: err}
			}
			opts.Lang = lang
			if runF != nil {
				return runF(opts)
			}
			return consoleRun(opts)
		},
	}
}

func consoleRun(opts *ConsoleOptions) error {
	t := i18n.For(opts.Lang)
	sock, err := vm.ConsoleSocket(vm.Dir(opts.Root), opts.ID)
	if err != nil {
		return vmError(t, opts.ID, err)
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return fmt.Errorf("attach to vm %s: %w", opts.ID, err)
	}
	defer conn.Close()
	if in, ok := opts.IO.In.(*os.File); ok && opts.IO.IsStdinTTY() {
		st, err := term.MakeRaw(int(in.Fd()))
		if err != nil {
			return fmt.Errorf("attach to vm %s: %w", opts.ID, err)
		}
		defer term.Restore(int(in.Fd()), st)
	}
	fmt.Fprintf(opts.IO.ErrOut, "%s\r\n", t.T("vm.console.attached", opts.ID))
	done := make(chan struct{}, 2)
	go func() {
		io.Copy(opts.IO.Out, conn)
		done <- struct{}{}
	}()
	go func() {
		copyUntilDetach(conn, opts.IO.In)
		done <- struct{}{}
	}()
	<-done
	fmt.Fprintf(opts.IO.ErrOut, "\r\n%s\r\n", t.T("vm.console.detached"))
	return nil
}

// copyUntilDetach forwards input to the console until the detach key or
// the end of input.
func copyUntilDetach(w io.Writer, r io.Reader) error {
	buf := make([]byte, 1024)
	for {
		n, err := r.Read(buf)
		for i := 0; i < n; i++ {
			if buf[i] == detachKey {
				_, werr := w.Write(buf[:i])
				return werr
			}
		}
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return werr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
