package container

import (
	"errors"
	"time"

	"github.com/spf13/pflag"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// healthFlags are --health-* and --no-healthcheck of run and create
// (Docker's cli/command/container/opts.go).
type healthFlags struct {
	cmd           string
	interval      time.Duration
	timeout       time.Duration
	startPeriod   time.Duration
	startInterval time.Duration
	retries       int
	none          bool
}

func (h *healthFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&h.cmd, "health-cmd", "", "Command to run to check health")
	fs.DurationVar(&h.interval, "health-interval", 0, "Time between running the check (ms|s|m|h) (default 0s)")
	fs.IntVar(&h.retries, "health-retries", 0, "Consecutive failures needed to report unhealthy")
	fs.DurationVar(&h.timeout, "health-timeout", 0, "Maximum time to allow one check to run (ms|s|m|h) (default 0s)")
	fs.DurationVar(&h.startPeriod, "health-start-period", 0, "Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)")
	fs.DurationVar(&h.startInterval, "health-start-interval", 0, "Time between running the check during the start period (ms|s|m|h) (default 0s)")
	fs.BoolVar(&h.none, "no-healthcheck", false, "Disable any container-specified HEALTHCHECK")
}

// config is the health check the flags ask for: nil keeps the image's.
func (h *healthFlags) config() (*engine.HealthConfig, error) {
	set := h.cmd != "" || h.interval != 0 || h.timeout != 0 || h.startPeriod != 0 || h.startInterval != 0 || h.retries != 0
	if h.none {
		if set {
			return nil, errors.New("--no-healthcheck conflicts with --health-* options")
		}
		return &engine.HealthConfig{Test: []string{"NONE"}}, nil
	}
	if !set {
		return nil, nil
	}
	switch {
	case h.interval < 0:
		return nil, errors.New("--health-interval cannot be negative")
	case h.timeout < 0:
		return nil, errors.New("--health-timeout cannot be negative")
	case h.retries < 0:
		return nil, errors.New("--health-retries cannot be negative")
	case h.startPeriod < 0:
		return nil, errors.New("--health-start-period cannot be negative")
	case h.startInterval < 0:
		return nil, errors.New("--health-start-interval cannot be negative")
	}
	cfg := &engine.HealthConfig{
		Interval: h.interval, Timeout: h.timeout, StartPeriod: h.startPeriod,
		StartInterval: h.startInterval, Retries: h.retries,
	}
	if h.cmd != "" {
		cfg.Test = []string{"CMD-SHELL", h.cmd}
	}
	return cfg, nil
}
