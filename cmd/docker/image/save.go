package image

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
)

// SaveOptions are docker save's flags and arguments.
type SaveOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory

	Images []string
	Output string
}

// NewCmdSave returns `docker save`.
func NewCmdSave(f *factory.Factory, runF func(*SaveOptions) error) *cobra.Command {
	opts := &SaveOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:     "save [OPTIONS] IMAGE [IMAGE...]",
		Short:   "Save one or more images to a tar archive (streamed to STDOUT by default)",
		Example: "  docker save -o busybox.tar busybox\n  docker save busybox > busybox.tar",
		Args:    cli.MinArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Images = args
			if runF != nil {
				return runF(opts)
			}
			return saveRun(c.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.Output, "output", "o", "", "write to a file, instead of STDOUT")
	return cmd
}

func saveRun(ctx context.Context, opts *SaveOptions) error {
	if opts.Output == "" && opts.IO.IsStdoutTTY() {
		return errors.New("cowardly refusing to save to a terminal. Use the -o flag or redirect")
	}
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return err
	}
	if opts.Output == "" {
		return cli.DaemonError(e.SaveImages(ctx, opts.Images, opts.IO.Out))
	}
	// Docker's check and message; the pending file's own error would name
	// its hidden temporary file.
	if dir := filepath.Dir(opts.Output); dir != "" {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("failed to save image: invalid output path: directory %q does not exist", dir)
		}
	}
	// The archive appears whole or not at all.
	pf, err := renameio.NewPendingFile(opts.Output, renameio.WithPermissions(0o644))
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = &fs.PathError{Op: "create", Path: opts.Output, Err: pe.Err}
		}
		return fmt.Errorf("failed to save image: %w", err)
	}
	defer pf.Cleanup()
	if err := e.SaveImages(ctx, opts.Images, pf); err != nil {
		return cli.DaemonError(err)
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("failed to save image: %w", err)
	}
	return nil
}
