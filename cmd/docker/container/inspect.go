package container

import (
	"context"
	"errors"
	"net/netip"

	mobycontainer "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/spf13/cobra"

	"github.com/dockyard-lab/dockyard/cmd/docker/inspect"
	"github.com/dockyard-lab/dockyard/cmd/factory"
	"github.com/dockyard-lab/dockyard/sandbox/container"
)

// InspectKind lets `docker inspect` find containers (Docker looks for a
// container first, then an image, a network, a volume).
var InspectKind = inspect.Kind{
	Type: "container",
	Get: func(ctx context.Context, f *factory.Factory, ref string) (any, bool, error) {
		e, err := f.Engine(ctx)
		if err != nil {
			return nil, false, err
		}
		c, err := e.InspectContainer(ref)
		if errors.Is(err, container.ErrNotFound) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, daemonError(err)
		}
		return withLegacyNetworkFields(c), true, nil
	},
}

// InspectJSON is the container JSON of Docker 28's `docker inspect`:
// moby/api's type plus the deprecated top-level NetworkSettings fields
// (IPAddress, Gateway, MacAddress, ...) of the default bridge, which that
// API version no longer has but Docker 28 still fills and tutorials'
// templates ({{.NetworkSettings.IPAddress}}) use.
type InspectJSON struct {
	*mobycontainer.InspectResponse
	NetworkSettings *LegacyNetworkSettings
}

// LegacyNetworkSettings are NetworkSettings with Docker's deprecated
// default-bridge fields: empty when the container is not on the default
// bridge (or not running).
type LegacyNetworkSettings struct {
	*mobycontainer.NetworkSettings
	EndpointID          string
	Gateway             string
	GlobalIPv6Address   string
	GlobalIPv6PrefixLen int
	IPAddress           string
	IPPrefixLen         int
	IPv6Gateway         string
	MacAddress          string
}

func withLegacyNetworkFields(c *mobycontainer.InspectResponse) *InspectJSON {
	out := &InspectJSON{InspectResponse: c}
	if c.NetworkSettings == nil {
		return out
	}
	ns := &LegacyNetworkSettings{NetworkSettings: c.NetworkSettings}
	if ep := c.NetworkSettings.Networks["bridge"]; ep != nil {
		ns.EndpointID = ep.EndpointID
		ns.Gateway = addrString(ep.Gateway)
		ns.GlobalIPv6Address = addrString(ep.GlobalIPv6Address)
		ns.GlobalIPv6PrefixLen = ep.GlobalIPv6PrefixLen
		ns.IPAddress = addrString(ep.IPAddress)
		ns.IPPrefixLen = ep.IPPrefixLen
		ns.IPv6Gateway = addrString(ep.IPv6Gateway)
		ns.MacAddress = macString(ep.MacAddress)
	}
	out.NetworkSettings = ns
	return out
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}

func macString(m network.HardwareAddr) string {
	if len(m) == 0 {
		return ""
	}
	return m.String()
}

// NewCmdInspect returns `docker container inspect`: Docker's JSON for each
// container, or --format applied to it.
func NewCmdInspect(f *factory.Factory, runF func(*inspect.Options) error) *cobra.Command {
	cmd := inspect.NewCmdInspect(f, runF, InspectKind)
	cmd.Use = "inspect [OPTIONS] CONTAINER [CONTAINER...]"
	cmd.Short = "Display detailed information on one or more containers"
	_ = cmd.Flags().MarkHidden("type")
	return cmd
}
