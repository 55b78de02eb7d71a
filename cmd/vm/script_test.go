package vm

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// TestMain makes `dockyard` a command of the scripts: the vm commands on the
// state root at $DOCKYARD_ROOT, with the exit codes of cmd/dockyard.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"dockyard": func() { os.Exit(dockyardMain(os.Args[1:])) },
	})
}

func dockyardMain(args []string) int {
	f := factory.New("test")
	root := &cobra.Command{Use: "dockyard", SilenceErrors: true, SilenceUsage: true}
	root.AddCommand(NewCmdVM(f))
	root.SetArgs(args)
	err := root.ExecuteContext(context.Background())
	if err == nil {
		return 0
	}
	var st *factory.StatusError
	if errors.As(err, &st) {
		if st.Message != "" {
			fmt.Fprintln(f.IOStreams.ErrOut, st.Message)
		}
		return st.Code
	}
	fmt.Fprintln(f.IOStreams.ErrOut, "Error:", err)
	return 1
}

// TestScripts runs testdata/*.txtar, each on its own state root. They boot
// the real kernel under TCG, so they need root, as CI has.
func TestScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a VM; skipped with -short")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root (CI runs as root)")
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			env.Setenv("DOCKYARD_ROOT", env.WorkDir+"/root")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// setenv-stdout NAME sets $NAME to the last command's stdout,
			// trimmed: the id `vm run -d` printed.
			"setenv-stdout": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 1 {
					ts.Fatalf("usage: setenv-stdout NAME")
				}
				ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile("stdout")))
			},
		},
	})
}
