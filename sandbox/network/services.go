package network

import (
	"context"
	"fmt"
)

// Service is a per-container service the container's monitor runs until
// the container exits (ctx is cancelled then).
type Service func(ctx context.Context) error

// Services opens the sockets of a container's services and returns them:
// one userland proxy per published port and the embedded DNS responder. It fails, closing what it opened, when a
// host port cannot be bound.
func (s *Store) Services(cid string) ([]Service, error) {
	st, err := s.readFor(cid)
	if err != nil {
		return nil, err
	}
	sb, ok := st.Sandboxes[cid]
	if !ok || !sb.Mode.IsDefault() {
		return nil, nil
	}
	eps := endpointsOf(st, cid)
	var svcs []Service
	closeAll := func() {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		for _, s := range svcs {
			s(ctx)
		}
	}
	if len(sb.Ports) > 0 && len(eps) > 0 {
		ip := eps[0].IP
		for _, b := range sb.Ports {
			svc, err := proxyFor(b, ip)
			if err != nil {
				closeAll()
				return nil, fmt.Errorf("publish %s: %w", b, err)
			}
			svcs = append(svcs, svc)
		}
	}
	// Always started in bridge mode, so a later `network connect` to a
	// user-defined network finds it; names resolve only on user-defined
	// networks (lookup), other queries are forwarded.
	{
		svc, err := s.dnsService(cid, sb.NetNS)
		if err != nil {
			closeAll()
			return nil, err
		}
		svcs = append(svcs, svc)
	}
	return svcs, nil
}
