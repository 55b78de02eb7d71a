package image_test

import (
	"errors"
	"net"
	"net/http"
)

// refuseAll is a transport that answers every request as a refused
// connection, so tests never reach beyond loopback.
type refuseAll struct{}

func (refuseAll) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused (test transport)")}
}

// mirrorOnly passes requests to one loopback host and refuses the rest,
// so a test can use a mirror while Docker Hub stays unreached.
type mirrorOnly struct{ host string }

func (m mirrorOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Host == m.host {
		return http.DefaultTransport.RoundTrip(r)
	}
	return refuseAll{}.RoundTrip(r)
}
