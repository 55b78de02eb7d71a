package container

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// NewCmdCp returns `docker cp`.
func NewCmdCp(f *factory.Factory, runF func(src, dst string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "cp CONTAINER:SRC_PATH DEST_PATH | SRC_PATH CONTAINER:DEST_PATH",
		Short: "Copy files/folders between a container and the local filesystem",
		Args:  cli.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(args[0], args[1])
			}
			srcC, srcPath, srcIn := splitCp(args[0])
			dstC, dstPath, dstIn := splitCp(args[1])
			if srcIn == dstIn {
				return &factory.StatusError{Code: 1, Message: "copying between containers or within the host is not supported: one side must be CONTAINER:PATH, the other a local path or - (a tar stream)"}
			}
			e, err := f.Engine(cmd.Context())
			if err != nil {
				return err
			}
			switch {
			case srcIn && args[1] == "-":
				// The path as a tar stream on standard output.
				copied, cleanup, err := e.CopyOut(srcC, srcPath)
				if err != nil {
					return cli.DaemonError(err)
				}
				defer cleanup()
				err = engine.WriteTar(f.IOStreams.Out, copied)
			case srcIn:
				err = e.CopyFromContainer(srcC, srcPath, args[1])
			case args[0] == "-":
				// A tar stream from standard input, extracted into a directory.
				err = e.PutArchive(dstC, f.IOStreams.In, dstPath)
			default:
				err = e.CopyToContainer(dstC, args[0], dstPath)
			}
			if err != nil {
				return cli.DaemonError(err)
			}
			return nil
		},
	}
}

// splitCp reads CONTAINER:PATH; a local path has no colon before its
// first slash.
func splitCp(arg string) (ref, path string, inContainer bool) {
	if arg == "-" || strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, ".") {
		return "", arg, false
	}
	ref, path, ok := strings.Cut(arg, ":")
	if !ok {
		return "", arg, false
	}
	return ref, path, true
}
