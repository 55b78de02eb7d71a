// Package build is `docker build`: Dockerfiles built by Dockyard's own
// builder (sandbox/build), with Docker's flags and plain progress output.
package build

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/build"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// BuildOptions are `docker build`'s parsed flags.
type BuildOptions struct {
	IO      *iostreams.IOStreams
	Engine  func(context.Context) (*engine.Engine, error)
	Context string

	Tags       []string
	File       string
	BuildArgs  []string
	Labels     []string
	NoCache    bool
	Target     string
	Quiet      bool
	Progress   string
	Pull       bool
	Rm         bool
	ForceRm    bool
	CacheFroms []string
}

// NewCmdBuild returns `docker build`.
func NewCmdBuild(f *factory.Factory, runF func(*BuildOptions) error) *cobra.Command {
	opts := &BuildOptions{IO: f.IOStreams, Engine: f.Engine}
	cmd := &cobra.Command{
		Use:   "build [OPTIONS] PATH",
		Short: "Build an image from a Dockerfile",
		Long: `Build an image from a Dockerfile in the build context PATH.

Each RUN step runs in a real Dockyard container; COPY and ADD read the
context (minus what .dockerignore excludes). Steps are cached: a second
build of an unchanged Dockerfile and context is near-instant.`,
		Example: `  docker build -t hello:1 .
  docker build -f docker/Dockerfile --build-arg VERSION=2 --target runtime -t app .`,
		Args: cli.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			opts.Context = args[0]
			if runF != nil {
				return runF(opts)
			}
			return buildRun(c.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&opts.Tags, "tag", "t", nil, `Name and optionally a tag (format: "name:tag")`)
	fl.StringVarP(&opts.File, "file", "f", "", `Name of the Dockerfile (default: "PATH/Dockerfile")`)
	fl.StringArrayVar(&opts.BuildArgs, "build-arg", nil, "Set build-time variables")
	fl.StringArrayVar(&opts.Labels, "label", nil, "Set metadata for an image")
	fl.BoolVar(&opts.NoCache, "no-cache", false, "Do not use cache when building the image")
	fl.StringVar(&opts.Target, "target", "", "Set the target build stage to build")
	fl.BoolVarP(&opts.Quiet, "quiet", "q", false, "Suppress the build output and print image ID on success")
	fl.StringVar(&opts.Progress, "progress", "auto", `Set type of progress output ("auto", "plain", "quiet")`)
	fl.BoolVar(&opts.Pull, "pull", false, "Always attempt to pull a newer version of the image (accepted; images are pulled when missing)")
	fl.BoolVar(&opts.Rm, "rm", true, "Remove intermediate containers after a successful build")
	fl.BoolVar(&opts.ForceRm, "force-rm", false, "Always remove intermediate containers")
	fl.StringSliceVar(&opts.CacheFroms, "cache-from", nil, "Images to consider as cache sources (accepted, unused)")
	_ = fl.MarkHidden("rm")
	_ = fl.MarkHidden("force-rm")
	return cmd
}

func buildRun(ctx context.Context, opts *BuildOptions) error {
	if opts.Context == "-" {
		return &factory.StatusError{Code: 1, Message: "ERROR: a build context from standard input is not supported; give a folder, e.g. docker build ."}
	}
	if strings.Contains(opts.Context, "://") {
		return &factory.StatusError{Code: 1, Message: fmt.Sprintf("ERROR: remote build contexts (%s) are not supported in Dockyard's sandbox; clone it and build the folder", opts.Context)}
	}
	if fi, err := os.Stat(opts.Context); err != nil || !fi.IsDir() {
		return &factory.StatusError{Code: 1, Message: fmt.Sprintf("ERROR: unable to prepare context: path %q not found", opts.Context)}
	}
	args := map[string]string{}
	for _, a := range opts.BuildArgs {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			// Docker: --build-arg NAME takes the value from the environment.
			val, set := os.LookupEnv(k)
			if !set {
				continue
			}
			v = val
		}
		args[k] = v
	}
	labels := map[string]string{}
	for _, l := range opts.Labels {
		k, v, _ := strings.Cut(l, "=")
		labels[k] = v
	}
	var out io.Writer = opts.IO.ErrOut
	if opts.Quiet || opts.Progress == "quiet" {
		out = io.Discard
	}
	dockerfile := opts.File
	if dockerfile != "" && !filepath.IsAbs(dockerfile) {
		// Docker reads -f relative to the current folder.
		dockerfile, _ = filepath.Abs(dockerfile)
	}
	e, err := opts.Engine(ctx)
	if err != nil {
		return err
	}
	res, err := e.Builder().Build(ctx, build.Options{
		ContextDir: opts.Context, Dockerfile: dockerfile, Tags: opts.Tags,
		BuildArgs: args, NoCache: opts.NoCache, Target: opts.Target, Labels: labels, Out: out,
	})
	if err != nil {
		return &factory.StatusError{Code: 1, Message: "ERROR: failed to solve: " + message(err)}
	}
	if opts.Quiet || opts.Progress == "quiet" {
		fmt.Fprintln(opts.IO.Out, res.ID)
	}
	return nil
}

func message(err error) string {
	var be *build.Error
	if errors.As(err, &be) {
		return be.Err.Error()
	}
	return err.Error()
}
