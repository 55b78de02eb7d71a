package learn_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/author"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/learn"
)

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"dockyard": func() { os.Exit(dockyard()) }})
}

// dockyard runs the loop's and the author's commands the way cmd/dockyard
// does (that package is a main and cannot be imported), with the same exit
// codes.
func dockyard() int {
	f := factory.New("test")
	root := &cobra.Command{Use: "dockyard", SilenceErrors: true, SilenceUsage: true}
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	root.PersistentFlags().StringVar(&f.Lang, "lang", "", "language")
	root.PersistentFlags().StringVar(&f.Root, "root", f.Root, "engine state folder")
	root.PersistentFlags().BoolVar(&f.Debug, "debug", false, "show full error details")
	root.AddCommand(learn.Commands(f)...)
	root.AddCommand(author.NewCmdAuthor(f))
	err := root.Execute()
	var status *factory.StatusError
	var flagErr *factory.FlagError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &status):
		if status.Message != "" {
			fmt.Fprintln(os.Stderr, status.Message)
		}
		return status.Code
	case errors.As(err, &flagErr):
		fmt.Fprintln(os.Stderr, flagErr.Error())
		return 2
	}
	fmt.Fprintf(os.Stderr, "Error: %s\n", err)
	return 1
}

// TestScripts runs testdata/script/*.txtar: the loop without a terminal,
// through the real checker, and author lint, as a student or an
// instructor types them.
func TestScripts(t *testing.T) {
	course, err := filepath.Abs("../../lessons/testdata/course")
	if err != nil {
		t.Fatal(err)
	}
	broken, err := filepath.Abs("../../lessons/testdata/lint")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("COURSE", course)
			env.Setenv("BROKEN", broken)
			env.Setenv("XDG_STATE_HOME", filepath.Join(env.WorkDir, "state"))
			env.Setenv("DOCKYARD_LESSONS", course)
			env.Setenv("LANG", "C.UTF-8")
			return nil
		},
	})
}
