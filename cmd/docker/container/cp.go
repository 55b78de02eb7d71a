package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	units "github.com/docker/go-units"
	"github.com/moby/go-archive"
	mobycontainer "github.com/moby/moby/api/types/container"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// CpOptions are `docker cp`'s arguments and flags, and its engine and
// streams.
type CpOptions struct {
	IO     *iostreams.IOStreams
	Engine func(context.Context) (CpEngine, error)

	Source, Destination string
	FollowLink          bool // -L
	CopyUIDGID          bool // -a
	Quiet               bool // -q, or stdout is not a terminal
}

// CpEngine is what docker cp needs of the engine: the Engine API's three
// archive calls (HEAD, GET and PUT /containers/{id}/archive).
type CpEngine interface {
	StatPath(ref, p string) (mobycontainer.PathStat, error)
	ArchivePath(ref, p string) (io.ReadCloser, mobycontainer.PathStat, error)
	PutArchive(ref string, r io.Reader, dir string, copyUIDGID bool) error
}

// NewCmdCp returns `docker cp`. It runs docker/cli's
// cli/command/container/cp.go over the engine's archive calls, so that it
// copies, words its errors and reports as the docker CLI does against
// `dockyard serve`.
func NewCmdCp(f *factory.Factory, runF func(*CpOptions) error) *cobra.Command {
	opts := &CpOptions{IO: f.IOStreams, Engine: factory.EngineAs(f, func(e *engine.Engine) CpEngine { return e })}
	cmd := &cobra.Command{
		Use: `cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-
	docker cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH`,
		Short: "Copy files/folders between a container and the local filesystem",
		Long: `Copy files/folders between a container and the local filesystem

Use '-' as the source to read a tar archive from stdin
and extract it to a directory destination in a container.
Use '-' as the destination to stream a tar archive of a
container source to stdout.`,
		Args: cli.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] == "" {
				return errors.New("source can not be empty")
			}
			if args[1] == "" {
				return errors.New("destination can not be empty")
			}
			opts.Source, opts.Destination = args[0], args[1]
			if !cmd.Flag("quiet").Changed {
				// As Docker: no progress and no summary unless a terminal
				// is attached.
				opts.Quiet = !opts.IO.IsStdoutTTY()
			}
			if runF != nil {
				return runF(opts)
			}
			return cpRun(cmd.Context(), opts)
		},
		DisableFlagsInUseLine: true,
	}
	cmd.Flags().BoolVarP(&opts.FollowLink, "follow-link", "L", false, "Always follow symbol link in SRC_PATH")
	cmd.Flags().BoolVarP(&opts.CopyUIDGID, "archive", "a", false, "Archive mode (copy all uid/gid information)")
	cmd.Flags().BoolVarP(&opts.Quiet, "quiet", "q", false, "Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached")
	return cmd
}

func cpRun(ctx context.Context, opts *CpOptions) error {
	srcC, srcPath := splitCpArg(opts.Source)
	dstC, dstPath := splitCpArg(opts.Destination)
	switch {
	case srcC != "" && dstC != "":
		return errors.New("copying between containers is not supported")
	case srcC == "" && dstC == "":
		return errors.New("must specify at least one container source")
	}
	if srcC != "" {
		return copyFromContainer(ctx, opts, srcC, srcPath, dstPath)
	}
	return copyToContainer(ctx, opts, dstC, srcPath, dstPath)
}

// copyFromContainer is docker/cli's copyFromContainer: the container's
// tar, rebased for -L, extracted by go-archive's CopyTo as the CLI does.
func copyFromContainer(ctx context.Context, opts *CpOptions, ctr, srcPath, dstPath string) error {
	if dstPath != "-" {
		var err error
		if dstPath, err = resolveLocalPath(dstPath); err != nil {
			return err
		}
	}
	if err := validateOutputPath(dstPath); err != nil {
		return err
	}
	// The engine is opened once the local side is known good: its errors
	// are the CLI's own, as in Docker.
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	var rebaseName string
	if opts.FollowLink {
		if st, err := e.StatPath(ctr, srcPath); err == nil && st.Mode&os.ModeSymlink != 0 {
			linkTarget := st.LinkTarget
			if !filepath.IsAbs(linkTarget) {
				srcParent, _ := archive.SplitPathDirEntry(srcPath)
				linkTarget = filepath.Join(srcParent, linkTarget)
			}
			linkTarget, rebaseName = archive.GetRebaseName(srcPath, linkTarget)
			srcPath = linkTarget
		}
	}
	content, st, err := e.ArchivePath(ctr, srcPath)
	if err != nil {
		return cli.DaemonError(err)
	}
	defer content.Close()
	if dstPath == "-" {
		_, err = io.Copy(opts.IO.Out, content)
		return err
	}
	srcInfo := archive.CopyInfo{Path: srcPath, Exists: true, IsDir: st.Mode.IsDir(), RebaseName: rebaseName}
	var copied int64
	var pre io.Reader = content
	if !opts.Quiet {
		pre = &countingReader{r: content, n: &copied}
	}
	if rebaseName != "" {
		_, srcBase := archive.SplitPathDirEntry(srcInfo.Path)
		pre = archive.RebaseArchiveEntries(pre, srcBase, rebaseName)
	}
	if opts.Quiet {
		return archive.CopyTo(pre, srcInfo, dstPath)
	}
	stop := copyProgress(opts.IO.ErrOut, "Copying from container - ", &copied)
	err = archive.CopyTo(pre, srcInfo, dstPath)
	stop()
	fmt.Fprintln(opts.IO.ErrOut, "Successfully copied", progressHumanSize(copied), "to", dstPath)
	return err
}

// copyToContainer is docker/cli's copyToContainer: the destination is
// stat-ed first (a symlink followed), the local source archived and
// prepared by go-archive, then extracted by the engine.
func copyToContainer(ctx context.Context, opts *CpOptions, ctr, srcPath, dstPath string) error {
	if srcPath != "-" {
		var err error
		if srcPath, err = resolveLocalPath(srcPath); err != nil {
			return err
		}
	}
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	// A failed stat is ignored, as Docker does: the destination may not
	// exist yet, and the extraction reports any real problem.
	dstInfo := archive.CopyInfo{Path: dstPath}
	dstStat, err := e.StatPath(ctr, dstPath)
	if err == nil && dstStat.Mode&os.ModeSymlink != 0 {
		linkTarget := dstStat.LinkTarget
		if !filepath.IsAbs(linkTarget) {
			dstParent, _ := archive.SplitPathDirEntry(dstPath)
			linkTarget = filepath.Join(dstParent, linkTarget)
		}
		dstInfo.Path = linkTarget
		dstStat, err = e.StatPath(ctr, linkTarget)
	}
	if err := validateOutputPathFileMode(dstStat.Mode); err != nil {
		return fmt.Errorf(`destination "%s:%s" must be a directory or a regular file: %w`, ctr, dstPath, err)
	}
	if err == nil {
		dstInfo.Exists, dstInfo.IsDir = true, dstStat.Mode.IsDir()
	}

	var (
		content  io.Reader
		resolved string
		copied   int64
	)
	if srcPath == "-" {
		content, resolved = opts.IO.In, dstInfo.Path
		if !dstInfo.IsDir {
			return fmt.Errorf("destination \"%s:%s\" must be a directory", ctr, dstPath)
		}
	} else {
		srcInfo, err := archive.CopyInfoSourcePath(srcPath, opts.FollowLink)
		if err != nil {
			return err
		}
		srcArchive, err := archive.TarResource(srcInfo)
		if err != nil {
			return err
		}
		defer srcArchive.Close()
		dstDir, prepared, err := archive.PrepareArchiveCopy(srcArchive, srcInfo, dstInfo)
		if err != nil {
			return err
		}
		defer prepared.Close()
		content, resolved = prepared, dstDir
		if !opts.Quiet {
			content = &countingReader{r: prepared, n: &copied}
		}
	}
	if opts.Quiet {
		return cli.DaemonError(e.PutArchive(ctr, content, resolved, opts.CopyUIDGID))
	}
	stop := copyProgress(opts.IO.ErrOut, "Copying to container - ", &copied)
	err = e.PutArchive(ctr, content, resolved, opts.CopyUIDGID)
	stop()
	// Docker reports what it sent even when the daemon refused it.
	fmt.Fprintln(opts.IO.ErrOut, "Successfully copied", progressHumanSize(copied), "to", ctr+":"+dstInfo.Path)
	return cli.DaemonError(err)
}

// resolveLocalPath is localPath made absolute, keeping a trailing "/" or
// "/." that says "a directory" or "its contents".
func resolveLocalPath(localPath string) (string, error) {
	abs, err := filepath.Abs(localPath)
	if err != nil {
		return "", err
	}
	return archive.PreserveTrailingDotOrSeparator(abs, localPath), nil
}

// validateOutputPath is docker/cli's command.ValidateOutputPath: the
// destination's folder must exist, and the destination, if it exists, be
// a folder or a regular file.
func validateOutputPath(path string) error {
	dir := filepath.Dir(filepath.Clean(path))
	if dir != "" && dir != "." {
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			return fmt.Errorf("invalid output path: directory %q does not exist", dir)
		}
	}
	fi, err := os.Stat(path)
	switch {
	case os.IsNotExist(err):
		return nil
	case err != nil:
		return err
	case fi.Mode().IsDir() || fi.Mode().IsRegular():
		return nil
	}
	if err := validateOutputPathFileMode(fi.Mode()); err != nil {
		return fmt.Errorf("invalid output path: %q must be a directory or a regular file: %w", path, err)
	}
	return nil
}

func validateOutputPathFileMode(mode os.FileMode) error {
	switch {
	case mode&os.ModeDevice != 0:
		return errors.New("got a device")
	case mode&os.ModeIrregular != 0:
		return errors.New("got an irregular file")
	}
	return nil
}

// splitCpArg reads CONTAINER:PATH as docker/cli does: an absolute path, a
// path with no colon, or one starting with "." (./file:name) is local.
func splitCpArg(arg string) (ctr, path string) {
	if filepath.IsAbs(arg) {
		return "", arg
	}
	ctr, path, ok := strings.Cut(arg, ":")
	if !ok || strings.HasPrefix(ctr, ".") {
		return "", arg
	}
	return ctr, path
}

// progressHumanSize is Docker's size in docker cp's output: 2.05kB.
func progressHumanSize(n int64) string {
	return units.HumanSizeWithPrecision(float64(n), 3)
}

// countingReader counts the bytes of the tar stream read through it, the
// size docker cp reports.
type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	atomic.AddInt64(c.n, int64(n))
	return n, err
}

// ANSI sequences of docker/cli's copyProgress (morikuni/aec).
const (
	ansiSave      = "\x1b[s\x1b7"
	ansiRestore   = "\x1b[u\x1b8"
	ansiHide      = "\x1b[?25l"
	ansiShow      = "\x1b[?25h"
	ansiEraseLine = "\x1b[2K"
	ansiEraseTail = "\x1b[0K"
)

// copyProgress shows "Copying to container - 1.2MB" on w, updated every
// 75ms, when w is a terminal, as docker/cli does; stop erases it.
func copyProgress(w io.Writer, header string, total *int64) (stop func()) {
	if f, ok := w.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	fmt.Fprint(w, ansiSave+"Preparing to copy...")
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		fmt.Fprint(w, ansiHide+ansiRestore+ansiEraseLine+header+progressHumanSize(0))
		defer fmt.Fprint(w, ansiShow)
		ticker := time.NewTicker(75 * time.Millisecond)
		defer ticker.Stop()
		var last int64
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				if n := atomic.LoadInt64(total); n != last {
					fmt.Fprintf(w, "\x1b[%dG%s%s", len(header)+1, ansiEraseTail, progressHumanSize(n))
					last = n
				}
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		fmt.Fprint(w, ansiRestore+ansiEraseLine)
	}
}
