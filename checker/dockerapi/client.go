package dockerapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// defaultHost is the Docker daemon's socket, where DOCKER_HOST is unset.
const defaultHost = "unix:///var/run/docker.sock"

// client is the little of the Engine API the checker reads: GET and POST
// of JSON, and the exec stream. It is ours rather than the moby client,
// which imports distribution/reference and OpenTelemetry, whose package
// initialisation every dockyard start paid (about 3 ms, see
// cmd/dockyard's TestStartupImports).
type client struct {
	host string // as given, for messages
	base string // URL the paths are appended to
	hc   *http.Client
}

// newClient connects to host (unix://, tcp://, http://, https://), reading
// DOCKER_CERT_PATH and DOCKER_TLS_VERIFY as the docker CLI does for TCP.
func newClient(host string) (*client, error) {
	if host == "" {
		host = defaultHost
	}
	u, err := url.Parse(host)
	if err != nil || u.Host == "" && u.Path == "" {
		return nil, fmt.Errorf("unable to parse docker host %q", host)
	}
	tr := &http.Transport{}
	c := &client{host: host, hc: &http.Client{Transport: tr}}
	switch u.Scheme {
	case "unix":
		sock := u.Path
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		}
		c.base = "http://docker"
	case "tcp", "http", "https":
		scheme := "http"
		if u.Scheme == "https" || os.Getenv("DOCKER_TLS_VERIFY") != "" || os.Getenv("DOCKER_CERT_PATH") != "" {
			cfg, err := tlsConfig()
			if err != nil {
				return nil, err
			}
			tr.TLSClientConfig, scheme = cfg, "https"
		}
		c.base = scheme + "://" + u.Host
	default:
		return nil, fmt.Errorf("protocol not available: %s", u.Scheme)
	}
	return c, nil
}

// tlsConfig is the docker CLI's client TLS: the CA, certificate and key in
// DOCKER_CERT_PATH (default ~/.docker), the server verified only with
// DOCKER_TLS_VERIFY set.
func tlsConfig() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: os.Getenv("DOCKER_TLS_VERIFY") == ""}
	dir := os.Getenv("DOCKER_CERT_PATH")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".docker")
	}
	if ca, err := os.ReadFile(filepath.Join(dir, "ca.pem")); err == nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(ca) {
			return nil, fmt.Errorf("could not read CA certificate %s", filepath.Join(dir, "ca.pem"))
		}
		cfg.RootCAs = pool
	} else if !cfg.InsecureSkipVerify {
		return nil, fmt.Errorf("could not read CA certificate: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err == nil {
		cfg.Certificates = []tls.Certificate{cert}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("could not load X509 key pair: %w", err)
	}
	return cfg, nil
}

// apiError is an error answer of the daemon, in the moby client's words.
type apiError struct {
	status  int
	message string
}

func (e *apiError) Error() string { return "Error response from daemon: " + e.message }

// hasStatus reports whether err is the daemon answering status.
func hasStatus(err error, status int) bool {
	var ae *apiError
	return errors.As(err, &ae) && ae.status == status
}

// do sends method path with body as JSON and returns the answer of a
// request that succeeded; the caller closes its body.
func (c *client) do(ctx context.Context, method, path string, body any, header http.Header) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("Cannot connect to the Docker daemon at %s. Is the docker daemon running?: %w", c.host, err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		var msg struct{ Message string }
		if json.Unmarshal(b, &msg) != nil || msg.Message == "" {
			msg.Message = strings.TrimSpace(string(b))
		}
		if msg.Message == "" {
			msg.Message = http.StatusText(resp.StatusCode)
		}
		return nil, &apiError{status: resp.StatusCode, message: msg.Message}
	}
	return resp, nil
}

// get decodes the JSON answer to GET path into out.
func (c *client) get(ctx context.Context, path string, out any) error {
	return c.call(ctx, http.MethodGet, path, nil, out)
}

func (c *client) call(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.do(ctx, method, path, body, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	return nil
}

// stream POSTs body to path asking for the raw stream Docker's exec start
// answers ("Upgrade: tcp", as the docker CLI); a daemon that does not
// upgrade answers 200 and streams the body, which reads the same.
func (c *client) stream(ctx context.Context, path string, body any) (io.ReadCloser, error) {
	resp, err := c.do(ctx, http.MethodPost, path, body, http.Header{"Connection": {"Upgrade"}, "Upgrade": {"tcp"}})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

func (c *client) close() { c.hc.CloseIdleConnections() }
