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
