package volume

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// TestMain makes `docker` a command of the scripts: the volume commands on
// the engine at $DOCKYARD_ROOT, with the exit codes of cmd/dockyard.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"docker": func() { os.Exit(dockerMain(os.Args[1:])) },
	})
}

func dockerMain(args []string) int {
	f := factory.New("test")
	root := &cobra.Command{Use: "docker", SilenceErrors: true, SilenceUsage: true}
	root.AddCommand(NewCmdVolume(f))
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
	fmt.Fprintln(f.IOStreams.ErrOut, err)
	return 1
}

// TestScripts runs testdata/*.txtar, each on its own state root.
func TestScripts(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata",
		Setup: func(env *testscript.Env) error {
			env.Setenv("DOCKYARD_ROOT", env.WorkDir+"/root")
			return nil
		},
	})
}
