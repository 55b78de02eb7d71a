package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/docker"
	"github.com/dockyard-lab/dockyard/cmd/factory"
)

// version is set at build time with -ldflags "-X main.version=...", as
// dockyard's.
var version = "dev"

// isDocker reports whether argv is a `dockyard docker ...` or `docker ...`
// command line, the ones dockyard hands to this binary (cmd/dockyard's
// fastdocker.go).
func isDocker(argv []string) bool {
	return filepath.Base(argv[0]) == "docker" || len(argv) > 1 && argv[1] == "docker"
}

// runDocker is `dockyard docker ...` without the rest of dockyard: the same
// command tree (cmd/docker), global flags and exit codes as
// cmd/dockyard's root and main.
func runDocker(f *factory.Factory, argv []string) int {
	args := argv[1:]
	if filepath.Base(argv[0]) == "docker" {
		args = append([]string{"docker"}, args...)
	}
	root := &cobra.Command{
		Use:           "dockyard",
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       f.Version,
	}
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	root.SetIn(f.IOStreams.In)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &factory.FlagError{Err: err} })
	root.PersistentFlags().StringVar(&f.Root, "root", f.Root, "engine state directory (env DOCKYARD_ROOT)")
	root.PersistentFlags().BoolVar(&f.Debug, "debug", false, "show full error details")
	root.PersistentFlags().StringVar(&f.Lang, "lang", "", `language of lessons and messages: "en" or "ko" (default from LANG)`)
	root.AddCommand(docker.NewCmdDocker(f))
	root.SetArgs(args)
	cmd, err := root.ExecuteC()
	if err == nil {
		return 0
	}
	stderr := f.IOStreams.ErrOut
	var status *factory.StatusError
	if errors.As(err, &status) {
		if status.Message != "" {
			fmt.Fprintln(stderr, status.Message)
		}
		return status.Code
	}
	var flagErr *factory.FlagError
	if errors.As(err, &flagErr) {
		fmt.Fprintln(stderr, flagErr.Error())
		path := "docker"
		if cmd != nil {
			path = strings.TrimPrefix(cmd.CommandPath(), "dockyard ")
		}
		fmt.Fprintf(stderr, "See '%s --help'.\n", path)
		return 125
	}
	fmt.Fprintln(stderr, err.Error())
	return 1
}
