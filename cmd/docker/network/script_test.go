package network

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/network"
)

// TestMain makes `docker` a command of the scripts: the network commands on
// the engine at $DOCKYARD_ROOT, with the exit codes of cmd/dockyard.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"docker": func() { os.Exit(dockerMain(os.Args[1:])) },
	})
}

func dockerMain(args []string) int {
	f := factory.New("test")
	root := &cobra.Command{Use: "docker", SilenceErrors: true, SilenceUsage: true}
	root.AddCommand(NewCmdNetwork(f), NewCmdPort(f, nil))
	root.SetArgs(args)
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
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
	fmt.Fprintln(f.IOStreams.ErrOut, err)
	var fe *factory.FlagError
	if errors.As(err, &fe) {
		return 125
	}
	return 1
}

// TestScripts runs testdata/*.txtar: each script is the CLI's documentation
// by example, on its own state root (own bridges and nftables table).
func TestScripts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			root := env.WorkDir + "/root"
			env.Setenv("DOCKYARD_ROOT", root)
			env.Defer(func() {
				s, err := network.Open(root)
				if err == nil {
					s.Teardown(context.Background())
				}
			})
			return nil
		},
	})
}
