package container

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"unicode"

	"github.com/docker/go-connections/nat"
	"github.com/docker/go-units"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"github.com/dockyard-lab/dockyard/cmd/cli"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/cmd/iostreams"
	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// createFlags are the flags `docker create` and `docker run` share.
type createFlags struct {
	name       string
	env        envList
	envFiles   []string
	workdir    string
	user       string
	entrypoint string
	hostname   string
	interact   bool
	tty        bool
	rm         bool
	restart    string
	memory     memBytes
	cpus       nanoCPUs
	pidsLimit  int64
	readOnly   bool
	capAdd     []string
	capDrop    []string
	privileged bool
	network    string
	aliases    []string
	publish    []string
	publishAll bool
	expose     []string
	pull       string
	volumes    []string
	mounts     []string
	tmpfs      []string
	labels     []string
	health     healthFlags
}

func (c *createFlags) register(fs *pflag.FlagSet) {
	fs.SetInterspersed(false)
	fs.StringVar(&c.name, "name", "", "Assign a name to the container")
	fs.VarP(&c.env, "env", "e", "Set environment variables")
	fs.StringArrayVar(&c.envFiles, "env-file", nil, "Read in a file of environment variables")
	fs.StringVarP(&c.workdir, "workdir", "w", "", "Working directory inside the container")
	fs.StringVarP(&c.user, "user", "u", "", "Username or UID (format: <name|uid>[:<group|gid>])")
	fs.StringVar(&c.entrypoint, "entrypoint", "", "Overwrite the default ENTRYPOINT of the image")
	fs.StringVarP(&c.hostname, "hostname", "h", "", "Container host name")
	fs.BoolVarP(&c.interact, "interactive", "i", false, "Keep STDIN open even if not attached")
	fs.BoolVarP(&c.tty, "tty", "t", false, "Allocate a pseudo-TTY")
	fs.BoolVar(&c.rm, "rm", false, "Automatically remove the container and its associated anonymous volumes when it exits")
	fs.StringVar(&c.restart, "restart", "no", "Restart policy to apply when a container exits")
	fs.VarP(&c.memory, "memory", "m", "Memory limit")
	fs.Var(&c.cpus, "cpus", "Number of CPUs")
	fs.Int64Var(&c.pidsLimit, "pids-limit", 0, "Tune container pids limit (set -1 for unlimited)")
	fs.BoolVar(&c.readOnly, "read-only", false, "Mount the container's root filesystem as read only")
	fs.StringArrayVar(&c.capAdd, "cap-add", nil, "Add Linux capabilities")
	fs.StringArrayVar(&c.capDrop, "cap-drop", nil, "Drop Linux capabilities")
	fs.BoolVar(&c.privileged, "privileged", false, "Refused: Dockyard does not run privileged containers")
	fs.StringVar(&c.network, "network", "", "Connect a container to a network (bridge, host, none or a network's name)")
	fs.StringArrayVar(&c.aliases, "network-alias", nil, "Add network-scoped alias for the container")
	fs.StringVar(&c.network, "net", "", "Connect a container to a network")
	_ = fs.MarkHidden("net")
	fs.StringArrayVarP(&c.publish, "publish", "p", nil, "Publish a container's port(s) to the host")
	fs.BoolVarP(&c.publishAll, "publish-all", "P", false, "Publish all exposed ports to random ports")
	fs.StringArrayVar(&c.expose, "expose", nil, "Expose a port or a range of ports")
	fs.StringVar(&c.pull, "pull", "missing", `Pull image before running ("always", "missing", "never")`)
	fs.StringArrayVarP(&c.volumes, "volume", "v", nil, "Bind mount a volume (host-path:container-path[:ro])")
	fs.StringArrayVar(&c.mounts, "mount", nil, "Attach a filesystem mount to the container")
	fs.StringArrayVar(&c.tmpfs, "tmpfs", nil, "Mount a tmpfs directory")
	fs.StringArrayVarP(&c.labels, "label", "l", nil, "Set meta data on a container")
	c.health.register(fs)
	// -h is --hostname, as in Docker; help stays on --help only.
	fs.Bool("help", false, "Print usage")
}

// envList is -e/--env of run, create and exec: Docker's CLI checks each
// value as it is given (cli/opts.ValidateEnv), so a variable without a
// name is a flag error: invalid argument "=x" for "-e, --env" flag.
type envList []string

func (l *envList) String() string { return "[" + strings.Join(*l, ",") + "]" }
func (l *envList) Type() string   { return "list" }
func (l *envList) Set(v string) error {
	if k, _, _ := strings.Cut(v, "="); k == "" {
		return fmt.Errorf("invalid environment variable: %s", v)
	}
	*l = append(*l, v)
	return nil
}

// memBytes is a --memory value: "512m", "1g", "1048576".
type memBytes int64

func (m *memBytes) String() string {
	if *m == 0 {
		return "0"
	}
	return units.BytesSize(float64(*m))
}
func (m *memBytes) Set(s string) error {
	v, err := units.RAMInBytes(s)
	if err != nil {
		return fmt.Errorf("invalid size: '%s'", s)
	}
	*m = memBytes(v)
	return nil
}
func (m *memBytes) Type() string { return "bytes" }

// nanoCPUs is a --cpus value in billionths of a CPU, parsed as Docker's
// CLI does (cli/opts.NanoCPUs): any rational number of at most nine
// decimals. Its range is the daemon's to check (the engine's create).
type nanoCPUs int64

func (c *nanoCPUs) String() string {
	if *c == 0 {
		return ""
	}
	return new(big.Rat).SetFrac(big.NewInt(int64(*c)), big.NewInt(1e9)).FloatString(3)
}
func (c *nanoCPUs) Set(s string) error {
	cpus, ok := new(big.Rat).SetString(s)
	if !ok {
		return fmt.Errorf("failed to parse %v as a rational number", s)
	}
	nano := cpus.Mul(cpus, big.NewRat(1e9, 1))
	if !nano.IsInt() {
		return errors.New("value is too precise")
	}
	*c = nanoCPUs(nano.Num().Int64())
	return nil
}
func (c *nanoCPUs) Type() string { return "decimal" }

// options turns the flags and the arguments (IMAGE [COMMAND] [ARG...])
// into the engine's CreateOptions. Problems found here are usage errors.
func (c *createFlags) options(fs *pflag.FlagSet, args []string) (engine.CreateOptions, error) {
	o := engine.CreateOptions{
		Image:      args[0],
		Cmd:        args[1:],
		Name:       c.name,
		WorkingDir: c.workdir,
		User:       c.user,
		Hostname:   c.hostname,
		Tty:        c.tty,
		OpenStdin:  c.interact,
		AutoRemove: c.rm,
		ReadOnly:   c.readOnly,
		CapAdd:     c.capAdd,
		CapDrop:    c.capDrop,
		Privileged: c.privileged,

		NetworkAliases: c.aliases,
		PublishAll:     c.publishAll,
	}
	if fs.Changed("entrypoint") {
		ep := c.entrypoint
		o.Entrypoint = &ep
	}
	for _, file := range c.envFiles {
		vars, err := readEnvFile(file)
		if err != nil {
			return o, err
		}
		o.Env = append(o.Env, vars...)
	}
	o.Env = append(o.Env, c.env...)
	if len(c.labels) > 0 {
		o.Labels = map[string]string{}
		for _, l := range c.labels {
			k, v, _ := strings.Cut(l, "=")
			o.Labels[k] = v
		}
	}
	network, err := engine.ParseNetworkMode(c.network)
	if err != nil {
		return o, err
	}
	o.Network = network
	policy, err := parseRestart(c.restart)
	if err != nil {
		return o, err
	}
	o.Restart = policy
	if c.rm && policy.Name != "no" {
		// Docker's CLI refuses it before asking the daemon
		// (container.ErrConflictRestartPolicyAndAutoRemove).
		return o, errors.New("conflicting options: cannot specify both --restart and --rm")
	}
	o.Resources.Memory = int64(c.memory)
	o.Resources.NanoCPUs = int64(c.cpus)
	if fs.Changed("pids-limit") {
		limit := c.pidsLimit
		o.Resources.PidsLimit = &limit
	}
	if len(c.publish) > 0 {
		_, bindings, err := nat.ParsePortSpecs(c.publish)
		if err != nil {
			return o, err
		}
		o.PortBindings = map[string][]engine.PortBinding{}
		for port, bs := range bindings {
			for _, b := range bs {
				o.PortBindings[string(port)] = append(o.PortBindings[string(port)], engine.PortBinding{HostIP: b.HostIP, HostPort: b.HostPort})
			}
		}
	}
	for _, e := range c.expose {
		proto, ports := nat.SplitProtoPort(e)
		start, end, err := nat.ParsePortRange(ports)
		if err != nil {
			return o, fmt.Errorf("invalid range format for --expose: %s, error: %w", e, err)
		}
		for p := start; p <= end; p++ {
			o.ExposedPorts = append(o.ExposedPorts, fmt.Sprintf("%d/%s", p, proto))
		}
	}
	switch c.pull {
	case "always", "missing", "never":
	default:
		return o, fmt.Errorf("invalid pull option: '%s': must be one of \"always\", \"missing\" or \"never\"", c.pull)
	}
	for _, v := range c.volumes {
		if err := checkVolumeSyntax(v); err != nil {
			return o, err
		}
	}
	// --mount is Docker's CLI's to parse; -v is its daemon's (Binds).
	mounts, err := engine.ParseMounts(nil, c.mounts)
	if err != nil {
		return o, err
	}
	if o.Mounts, err = engine.ParseMounts(c.volumes, nil); err != nil {
		return o, cli.DaemonError(err)
	}
	o.Mounts = append(o.Mounts, mounts...)
	for _, t := range c.tmpfs {
		spec, err := engine.ParseTmpfs(t)
		if err != nil {
			return o, err
		}
		o.Mounts = append(o.Mounts, spec)
	}
	if o.Healthcheck, err = c.health.config(); err != nil {
		return o, err
	}
	return o, nil
}

// parseRestart reads --restart as Docker's CLI does
// (cli/opts.ParseRestartPolicy): it only splits NAME[:MAX-RETRIES]; which
// names and counts are allowed is the daemon's to say (the engine's
// create), so both front ends word it the same.
func parseRestart(s string) (engine.RestartPolicy, error) {
	name, max, hasMax := strings.Cut(s, ":")
	if hasMax && name == "" {
		return engine.RestartPolicy{}, errors.New("invalid restart policy format: no policy provided before colon")
	}
	p := engine.RestartPolicy{Name: name}
	if max != "" {
		n, err := strconv.Atoi(max)
		if err != nil {
			return engine.RestartPolicy{}, errors.New("invalid restart policy format: maximum retry count must be an integer")
		}
		p.MaximumRetryCount = n
	}
	if p.Name == "" {
		p.Name = "no"
	}
	return p, nil
}

// checkVolumeSyntax is the check Docker's CLI makes of a -v value before
// it asks the daemon (cli/compose/loader.ParseVolume): no empty section
// between colons and at most three sections. What the sections mean is the
// engine's to check.
func checkVolumeSyntax(spec string) error {
	switch len(spec) {
	case 0:
		return errors.New("invalid empty volume spec")
	case 1, 2:
		return nil
	}
	var section []rune
	fields := 0
	runes := append([]rune(spec), 0)
	for i, r := range runes {
		end := i == len(runes)-1
		switch {
		case r == ':' && len(section) == 1 && unicode.IsLetter(section[0]):
			// A Windows drive letter ("c:") is part of its section.
			section = append(section, r)
		case r == ':' || end:
			if len(section) == 0 {
				return fmt.Errorf("invalid spec: %s: empty section between colons", spec)
			}
			if fields == 2 && !end {
				return fmt.Errorf("invalid spec: %s: too many colons", spec)
			}
			fields++
			section = section[:0]
		default:
			section = append(section, r)
		}
	}
	return nil
}

// readEnvFile reads Docker's --env-file format: KEY=VALUE or KEY lines,
// # comments and blank lines skipped.
func readEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open env file: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimLeft(sc.Text(), " \t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		// Docker's messages (cli/opts: ErrBadKey), with the file and line.
		k, _, _ := strings.Cut(line, "=")
		if strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("poorly formatted environment: variable '%s' contains whitespaces (%s line %d)", k, path, n)
		}
		if k == "" {
			return nil, fmt.Errorf("poorly formatted environment: no variable name on line '%s' (%s line %d)", line, path, n)
		}
		if strings.ContainsRune(line, 0) {
			return nil, fmt.Errorf("invalid environment variable: %s (%s line %d)", strings.ReplaceAll(line, "\x00", `\x00`), path, n)
		}
		out = append(out, line)
	}
	return out, sc.Err()
}

// RunOptions are `docker run`'s.
type RunOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Create  engine.CreateOptions
	Detach  bool
	// PullPolicy is --pull: always, missing or never.
	PullPolicy string
}

// NewCmdRun returns `docker run`.
func NewCmdRun(f *factory.Factory, runF func(*RunOptions) error) *cobra.Command {
	var flags createFlags
	opts := &RunOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "run [OPTIONS] IMAGE [COMMAND] [ARG...]",
		Short: "Create and run a new container from an image",
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := flags.options(cmd.Flags(), args)
			if err != nil {
				return &factory.StatusError{Code: 125, Message: "docker: " + err.Error() + "\n\nRun 'docker run --help' for more information"}
			}
			opts.Create, opts.PullPolicy = o, flags.pull
			if runF != nil {
				return runF(opts)
			}
			return runRun(cmd.Context(), opts)
		},
	}
	flags.register(cmd.Flags())
	cmd.Flags().BoolVarP(&opts.Detach, "detach", "d", false, "Run container in background and print container ID")
	return cmd
}

func runRun(ctx context.Context, opts *RunOptions) error {
	ios := opts.IO
	if opts.Create.Tty && opts.Create.OpenStdin && !opts.Detach && !ios.IsStdinTTY() {
		return &factory.StatusError{Code: 1, Message: "the input device is not a TTY"}
	}
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return runError(err)
	}
	start := engine.StartOptions{Attach: !opts.Detach}
	if opts.Create.Tty {
		start.TTYCols, start.TTYRows = termSize(ios)
	}
	// The monitor starts up while the container is created (without it,
	// StartContainer starts one).
	if m, err := e.SpawnMonitor(start); err == nil {
		start.Monitor = m
		defer m.Close()
	}
	if err := pullFor(e, ios, opts.PullPolicy, &opts.Create)(ctx); err != nil {
		return runError(err)
	}
	// A host port another container holds fails run before it creates
	// anything (Docker leaves the created container behind).
	opts.Create.CheckPorts = true
	c, warnings, err := e.CreateContainer(ctx, opts.Create)
	if err != nil {
		return runError(err)
	}
	printWarnings(opts.IO, warnings)
	a, err := e.StartContainer(ctx, c.ID, start)
	if err != nil {
		return runError(err)
	}
	if opts.Detach {
		fmt.Fprintln(ios.Out, c.ID)
		return nil
	}
	code, err := stream(ctx, e, c, a, ios, opts.Create.OpenStdin)
	if err != nil {
		return runError(err)
	}
	if code != 0 {
		return &factory.StatusError{Code: code}
	}
	return nil
}

// stream wires the terminal to an attached container until it exits: raw
// mode and resizes for -t, signals forwarded otherwise (Docker's
// --sig-proxy), stdin for -i.
func stream(ctx context.Context, e *engine.Engine, c *engine.Container, a *engine.Attachment, ios *iostreams.IOStreams, stdin bool) (int, error) {
	defer a.Close()
	var in = ios.In
	if !stdin {
		in = nil
	}
	if c.Spec.Config.Tty {
		restore := makeRaw(ios)
		defer restore()
		stop := watchResize(ios, a)
		defer stop()
		if in != nil {
			in = &detachKeys{r: in, detach: a.Detach}
		}
		code, err := a.Stream(in, ios.Out, nil)
		if errors.Is(err, engine.ErrDetached) {
			return 0, nil
		}
		return code, err
	}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2)
	defer signal.Stop(sigs)
	go func() {
		for s := range sigs {
			if sig, ok := s.(unix.Signal); ok {
				_ = e.SignalContainer(c.ID, sig)
			}
		}
	}()
	return a.Stream(in, ios.Out, ios.ErrOut)
}

// CreateOptions are `docker create`'s.
type CreateOptions struct {
	IO      *iostreams.IOStreams
	Factory *factory.Factory
	Create  engine.CreateOptions
	// PullPolicy is --pull: always, missing or never.
	PullPolicy string
}

// NewCmdCreate returns `docker create`.
func NewCmdCreate(f *factory.Factory, runF func(*CreateOptions) error) *cobra.Command {
	var flags createFlags
	opts := &CreateOptions{IO: f.IOStreams, Factory: f}
	cmd := &cobra.Command{
		Use:   "create [OPTIONS] IMAGE [COMMAND] [ARG...]",
		Short: "Create a new container",
		Args:  cli.MinArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o, err := flags.options(cmd.Flags(), args)
			if err != nil {
				if cli.IsDaemonError(err) {
					// The daemon's refusal (a -v it cannot use): create
					// prints it as any engine error, with status 1.
					return cli.EngineError(err)
				}
				return &factory.StatusError{Code: 125, Message: "docker: " + err.Error() + "\n\nRun 'docker create --help' for more information"}
			}
			opts.Create, opts.PullPolicy = o, flags.pull
			if runF != nil {
				return runF(opts)
			}
			return createRun(cmd.Context(), opts)
		},
	}
	flags.register(cmd.Flags())
	return cmd
}

func createRun(ctx context.Context, opts *CreateOptions) error {
	e, err := opts.Factory.Engine(ctx)
	if err != nil {
		return runError(err)
	}
	if err := pullFor(e, opts.IO, opts.PullPolicy, &opts.Create)(ctx); err != nil {
		return cli.EngineError(err)
	}
	c, warnings, err := e.CreateContainer(ctx, opts.Create)
	if err != nil {
		// Docker's create prints the daemon's error as it is and exits 1
		// (run adds "docker: " and exits 125).
		return cli.EngineError(err)
	}
	printWarnings(opts.IO, warnings)
	fmt.Fprintln(opts.IO.Out, c.ID)
	return nil
}

// printWarnings prints the engine's warnings about a created container on
// stderr, as Docker's CLI does.
func printWarnings(ios *iostreams.IOStreams, warnings []string) {
	for _, w := range warnings {
		fmt.Fprintf(ios.ErrOut, "WARNING: %s\n", w)
	}
}

// pullFor is how create and run get a missing image under --pull: pulled
// (missing), never (never), or pulled first whatever is local (always).
func pullFor(e *engine.Engine, ios *iostreams.IOStreams, policy string, o *engine.CreateOptions) func(ctx context.Context) error {
	pull := pullForRun(e, ios)
	switch policy {
	case "never":
		o.Pull = nil
	case "always":
		o.Pull = pull
		return func(ctx context.Context) error {
			_, err := pull(ctx, o.Image)
			return err
		}
	default:
		o.Pull = pull
	}
	return func(context.Context) error { return nil }
}
