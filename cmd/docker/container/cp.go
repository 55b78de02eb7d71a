package container

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	units "github.com/docker/go-units"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// NewCmdCp returns `docker cp`.
func NewCmdCp(f *factory.Factory, runF func(src, dst string) error) *cobra.Command {
	var quiet bool
	cmd := &cobra.Command{
		Use:   "cp CONTAINER:SRC_PATH DEST_PATH | SRC_PATH CONTAINER:DEST_PATH",
		Short: "Copy files/folders between a container and the local filesystem",
		Args:  cli.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(args[0], args[1])
			}
			// As Docker's CLI: the summary only on a terminal, unless -q.
			if !cmd.Flags().Changed("quiet") {
				quiet = !f.IOStreams.IsStdoutTTY()
			}
			srcC, srcPath, srcIn := splitCp(args[0])
			dstC, dstPath, dstIn := splitCp(args[1])
			switch {
			case srcIn && dstIn:
				return errors.New("copying between containers is not supported")
			case !srcIn && !dstIn:
				return errors.New("must specify at least one container source")
			}
			// The local side is checked here, before the engine is asked,
			// as Docker's CLI does, in its words.
			if err := checkLocalCp(srcIn, args[0], args[1]); err != nil {
				return err
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
				copied := copiedTo(srcPath, args[1])
				if err = e.CopyFromContainer(srcC, srcPath, args[1]); err == nil && !quiet {
					fmt.Fprint(f.IOStreams.ErrOut, copySummary(copied, args[1]))
				}
			case args[0] == "-":
				// A tar stream from standard input, extracted into a directory.
				err = e.PutArchive(dstC, f.IOStreams.In, dstPath)
			default:
				if err = e.CopyToContainer(dstC, args[0], dstPath); err == nil && !quiet {
					fmt.Fprint(f.IOStreams.ErrOut, copySummary(args[0], dstC+":"+dstPath))
				}
			}
			if err != nil {
				return cli.DaemonError(err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached")
	return cmd
}

// copiedTo is where a copy of the container's path p lands on the host at
// dst: inside dst when dst is a folder, else dst itself.
func copiedTo(p, dst string) string {
	if fi, err := os.Stat(dst); err == nil && fi.IsDir() {
		return filepath.Join(dst, path.Base(path.Clean("/"+p)))
	}
	return dst
}

// copySummary is Docker's line after a copy on a terminal, "Successfully
// copied 2.05kB to /tmp/x" (cli/command/container/cp.go): the size is that
// of the tar stream the copy is, as Docker counts it, of the host side
// local ("" when it cannot be read).
func copySummary(local, dst string) string {
	var n countingWriter
	if err := engine.WriteTar(&n, local); err != nil {
		return ""
	}
	return fmt.Sprintf("Successfully copied %s to %s\n", units.HumanSizeWithPrecision(float64(n), 3), dst)
}

// countingWriter counts the bytes written to it and keeps none.
type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

// checkLocalCp checks the local path of a docker cp as Docker's CLI does
// (cli/command/container/cp.go): a source must exist, and a destination's
// folder must exist and the destination be a folder or a regular file.
func checkLocalCp(fromContainer bool, src, dst string) error {
	if !fromContainer {
		if src == "-" {
			return nil
		}
		abs, err := filepath.Abs(src)
		if err != nil {
			return err
		}
		_, err = os.Lstat(abs)
		return err
	}
	if dst == "-" {
		return nil
	}
	abs, err := filepath.Abs(dst)
	if err != nil {
		return err
	}
	if dir := filepath.Dir(abs); dir != "" && dir != "." {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			return fmt.Errorf("invalid output path: directory %q does not exist", dir)
		}
	}
	fi, err := os.Stat(abs)
	switch {
	case os.IsNotExist(err):
		return nil
	case err != nil:
		return err
	case fi.Mode()&os.ModeDevice != 0:
		return fmt.Errorf("invalid output path: %q must be a directory or a regular file: got a device", abs)
	case fi.Mode()&os.ModeIrregular != 0:
		return fmt.Errorf("invalid output path: %q must be a directory or a regular file: got an irregular file", abs)
	}
	return nil
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
