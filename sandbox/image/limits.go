package image

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// What a pull takes from a registry before it refuses it, so that a small
// request cannot make Dockyard hold an unbounded answer in memory. Docker
// and the distribution registry refuse a manifest or an index over 4 MiB
// (distribution's maxManifestBodySize); an image config is a blob whose
// size the manifest declares, bounded here at 8 MiB (real configs are a
// few KiB, with a long history a few hundred).
const (
	MaxManifestSize = 4 << 20
	MaxConfigSize   = 8 << 20
)

// manifestTimeout bounds how long one manifest may take to arrive, headers
// and body: a registry that trickles a manifest forever fails the pull.
// A variable so that tests can shorten it.
var manifestTimeout = time.Minute

// TooLargeError is a registry answer over its limit.
type TooLargeError struct {
	// What is "manifest" (an image manifest or an index) or "image config".
	What  string
	Size  int64 // the declared size, or -1 when the body just kept coming
	Limit int64
}

func (e *TooLargeError) Error() string {
	if e.Size < 0 {
		return fmt.Sprintf("the registry sent a %s larger than %d MiB, the most Docker accepts", e.What, e.Limit>>20)
	}
	return fmt.Sprintf("the registry's %s is %d bytes, over the %d MiB Docker accepts", e.What, e.Size, e.Limit>>20)
}

// boundManifests wraps a registry transport: every manifest or index it
// fetches must arrive within manifestTimeout and MaxManifestSize.
// go-containerregistry itself allows manifests up to 100 MiB with no time
// limit.
type boundManifests struct{ next http.RoundTripper }

func (b boundManifests) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method != http.MethodGet || !isManifestPath(req.URL.Path) {
		return b.next.RoundTrip(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(manifestTimeout, func() {
		cancel(fmt.Errorf("the registry took more than %s to send the manifest", manifestTimeout))
	})
	stop := func() { timer.Stop(); cancel(nil) }
	resp, err := b.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		stop()
		if cause := context.Cause(ctx); cause != nil && cause != context.Canceled && req.Context().Err() == nil {
			return nil, cause
		}
		return nil, err
	}
	tooLarge := &TooLargeError{What: "manifest", Size: resp.ContentLength, Limit: MaxManifestSize}
	if resp.ContentLength > MaxManifestSize {
		// Answer with a body that fails at once: an error from RoundTrip
		// would read as an unreachable registry.
		resp.Body.Close()
		stop()
		resp.Body = io.NopCloser(errReader{tooLarge})
		resp.ContentLength = -1
		return resp, nil
	}
	tooLarge.Size = -1
	resp.Body = &boundedBody{rc: resp.Body, left: MaxManifestSize, tooLarge: tooLarge, ctx: ctx, stop: stop}
	return resp, nil
}

// isManifestPath matches /v2/<name>/manifests/<reference>.
func isManifestPath(p string) bool {
	elem := strings.Split(p, "/")
	return len(elem) >= 5 && elem[1] == "v2" && elem[len(elem)-2] == "manifests"
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// boundedBody reads at most left bytes, then fails with tooLarge; a read
// cut by the manifest's timer fails with the timer's cause.
type boundedBody struct {
	rc       io.ReadCloser
	left     int64
	tooLarge error
	ctx      context.Context
	once     sync.Once
	stop     func()
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if _, err := io.ReadFull(b.rc, one[:]); err != nil {
			return 0, b.cause(err)
		}
		return 0, b.tooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, b.cause(err)
}

// cause names the manifest's timer as the reason of a cut read.
func (b *boundedBody) cause(err error) error {
	if err != nil && err != io.EOF {
		if c := context.Cause(b.ctx); c != nil && c != context.Canceled {
			return c
		}
	}
	return err
}

func (b *boundedBody) Close() error {
	b.once.Do(b.stop)
	return b.rc.Close()
}
