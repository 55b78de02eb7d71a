package image

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"golang.org/x/sync/errgroup"

	"github.com/dockyard-lab/dockyard/sandbox/diskfull"
	"github.com/dockyard-lab/dockyard/sandbox/idindex"
)

// PullOptions configure a pull.
type PullOptions struct {
	// Mirrors are tried in order before Docker Hub for docker.io images.
	Mirrors []string
	// InsecureRegistries are reached over plain HTTP (loopback always is).
	InsecureRegistries []string
	// Insecure allows plain HTTP to every registry.
	Insecure bool
	// Platform to pick from a multi-platform image; linux/amd64 if nil.
	Platform *v1.Platform
	// Progress receives pull events; nil pulls quietly.
	Progress func(Event)
	// Fallback makes the image some other way (the offline lesson images)
	// when no registry answers; nil means the store's (SetFallback). It
	// must leave ref in the store; its error (e.g. "no recipe for ...") is
	// added to the *UnreachableError.
	Fallback func(ctx context.Context, ref string) error
	// Transport overrides the HTTP transport (tests, benchmarks).
	Transport http.RoundTripper
}

// Event is one line of pull progress, shaped like Docker's JSON messages:
// a layer event has ID (the short layer digest), Status and, while
// downloading or extracting, Current and Total bytes; an event without ID
// is a whole line ("latest: Pulling from library/busybox", "Digest: ...",
// "Status: ...").
type Event struct {
	ID      string
	Status  string
	Current int64
	Total   int64
}

// Layer statuses, as Docker prints them.
const (
	StatusPullingFS     = "Pulling fs layer"
	StatusWaiting       = "Waiting"
	StatusDownloading   = "Downloading"
	StatusVerifying     = "Verifying Checksum"
	StatusDownloaded    = "Download complete"
	StatusExtracting    = "Extracting"
	StatusPullComplete  = "Pull complete"
	StatusAlreadyExists = "Already exists"
)

// UnreachableError says that no registry answered a pull.
type UnreachableError struct {
	Ref        string   // as the student typed it, normalised to Docker's short form
	Registries []string // hosts that did not answer
	Err        error    // the last network error
	Offline    error    // why PullOptions.Fallback could not make the image, if it was tried
}

func (e *UnreachableError) Error() string {
	// A tag missing from a repository that is here (myapp, built as
	// myapp:v1) is most likely one of its other tags; a name one or two
	// letters from an image Dockyard has ("nignx") is a typo. Either
	// way the fix is in the name, so the message leads to it.
	var tags interface{ OtherTags() []string }
	if errors.As(e.Offline, &tags) && len(tags.OtherTags()) > 0 {
		return fmt.Sprintf("cannot pull %s: registry %s cannot be reached and there is no image of that tag here; did you mean %s?",
			e.Ref, strings.Join(e.Registries, ", "), strings.Join(tags.OtherTags(), " or "))
	}
	var typo interface{ Suggestion() string }
	if errors.As(e.Offline, &typo) && typo.Suggestion() != "" {
		return fmt.Sprintf("cannot pull %s: registry %s cannot be reached and Dockyard has no image of that name; did you mean %s?",
			e.Ref, strings.Join(e.Registries, ", "), typo.Suggestion())
	}
	// An image no recipe makes is the student's own to build (the notes'
	// docker run myapp:latest before docker build) or to load.
	var own interface{ Unbaked() bool }
	if errors.As(e.Offline, &own) && own.Unbaked() {
		return fmt.Sprintf("cannot pull %s: registry %s cannot be reached and %s; build it (docker build -t %s .) or load it (docker load -i file.tar)",
			e.Ref, strings.Join(e.Registries, ", "), e.Offline.Error(), e.Ref)
	}
	// The next step depends on the registry: Docker Hub's images have
	// offline recipes, a loopback registry is most likely not started.
	hint := `get the image offline with "docker load -i file.tar" or "dockyard images prepare"`
	if e.Offline != nil {
		// The fallback is what "dockyard images prepare" does; its
		// error below says why it could not.
		hint = `get the image offline with "docker load -i file.tar"`
	}
	if r, err := ParseReference(e.Ref); err == nil && r.Domain() != "docker.io" {
		hint = `get the image offline with "docker load -i file.tar"`
		if loopbackHost(r.Domain()) {
			hint = `is the registry started? ("dockyard registry start" serves one on 127.0.0.1:5000); or ` + hint
		}
	}
	msg := fmt.Sprintf("cannot pull %s: registry %s cannot be reached (%v); %s",
		e.Ref, strings.Join(e.Registries, ", "), shortNetErr(e.Err), hint)
	if e.Offline != nil {
		msg += " (offline: " + e.Offline.Error() + ")"
	}
	return msg
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// loopbackHost reports whether a registry host ("localhost:5000",
// "127.0.0.1:5000", "[::1]:5000") is on this machine.
func loopbackHost(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(h, "[]"))
	return ip != nil && ip.IsLoopback()
}

// ErrUnreachable matches an *UnreachableError with errors.Is.
var ErrUnreachable = errors.New("registry cannot be reached")

func (e *UnreachableError) Is(target error) bool { return target == ErrUnreachable }

// shortNetErr keeps the innermost network error, which says what failed
// (connection refused, no such host) without the URL chain.
func shortNetErr(err error) string {
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Error()
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.Error()
	}
	return err.Error()
}

// unreachable reports whether err means that nothing answered at all, as
// opposed to a registry that answered with an error.
func unreachable(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var ue *url.Error
	return errors.As(err, &ue) && !strings.Contains(ue.Error(), "x509")
}

// Pull fetches ref (normalised like Docker: "busybox" is
// docker.io/library/busybox:latest) from its registry, or from a mirror
// for Docker Hub images, verifies every blob, unpacks the layers and
// records the image. When no registry answers, Fallback is tried, else an
// *UnreachableError says how to get the image offline.
//
// A pull that fills the disk fails with a *diskfull.Error naming the state
// root; what it had written is removed with its temporary files, and the
// images stored before are untouched.
func (s *Store) Pull(ctx context.Context, refStr string, opts PullOptions) (*Image, error) {
	img, err := s.pull(ctx, refStr, opts)
	if diskfull.Is(err) {
		// The layers that did arrive are no use on a full disk: collect
		// them (and any other unreferenced leftovers) so that the space
		// the student frees is not taken again at once.
		s.GC(ctx)
		return nil, diskfull.Wrap(err, "pulling "+refStr, filepath.Dir(s.dir))
	}
	return img, err
}

func (s *Store) pull(ctx context.Context, refStr string, opts PullOptions) (*Image, error) {
	ref, err := ParseReference(refStr)
	if err != nil {
		return nil, err
	}
	emit := opts.Progress
	if emit == nil {
		emit = func(Event) {}
	} else {
		var mu sync.Mutex
		p := opts.Progress
		emit = func(e Event) { mu.Lock(); defer mu.Unlock(); p(e) }
	}

	type endpoint struct {
		host     string
		insecure bool
	}
	var endpoints []endpoint
	if ref.Domain() == "docker.io" {
		for _, m := range opts.Mirrors {
			host, insecure := mirrorHost(m)
			if host != "" {
				endpoints = append(endpoints, endpoint{host, insecure})
			}
		}
	}
	endpoints = append(endpoints, endpoint{ref.Domain(), false})

	// Mirrors first; any error there moves on to the next, as Docker does.
	var (
		desc    *remote.Descriptor
		down    []string // endpoints that did not answer
		lastErr error
	)
	for _, ep := range endpoints {
		insecure := ep.insecure || opts.Insecure || slices.Contains(opts.InsecureRegistries, ep.host)
		nref, err := remoteRef(ref, ep.host, insecure)
		if err != nil {
			return nil, err
		}
		desc, err = remote.Get(nref, remoteOptions(ctx, opts)...)
		if err == nil {
			break
		}
		lastErr = err
		if unreachable(err) {
			down = append(down, ep.host)
		}
	}
	if desc == nil {
		// The image's own registry decides: when it cannot be reached (and
		// no mirror had the image), the image may be made offline.
		if unreachable(lastErr) {
			ue := &UnreachableError{Ref: ref.Familiar(), Registries: down, Err: lastErr}
			fallback := opts.Fallback
			if fallback == nil && ref.Domain() == "docker.io" {
				// The store's fallback bakes lesson images, all Docker
				// Hub names; others' offline errors would only be noise.
				fallback = s.fallback
			}
			if fallback != nil {
				before, _ := s.Get(ctx, ref.String())
				unpacked := s.unpackedLayers()
				if ue.Offline = fallback(ctx, ref.String()); ue.Offline == nil {
					img, err := s.Get(ctx, ref.String())
					if err != nil {
						return nil, err
					}
					reportLocal(emit, ref, before, unpacked, img)
					return img, nil
				}
			}
			return nil, ue
		}
		return nil, pullError(ref, lastErr)
	}

	// "latest: Pulling from library/busybox"
	what := ref.Tag()
	if what == "" {
		what = ref.Digest()
	}
	emit(Event{Status: what + ": Pulling from " + ref.Path()})

	img, err := desc.Image() // picks the platform from an index
	if err != nil {
		return nil, pullError(ref, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, pullError(ref, err)
	}
	if m.Config.Size > MaxConfigSize {
		return nil, pullError(ref, &TooLargeError{What: "image config", Size: m.Config.Size, Limit: MaxConfigSize})
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, pullError(ref, err)
	}
	if len(cf.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("pull %s: image config lists %d layers but its manifest %d", ref.Familiar(), len(cf.RootFS.DiffIDs), len(m.Layers))
	}
	release, err := s.ingest(ctx)
	if err != nil {
		return nil, err
	}
	defer release()

	before, _ := s.Get(ctx, ref.String())
	size, err := s.pullLayers(ctx, img, m, cf, emit)
	if err != nil {
		return nil, pullError(ref, err)
	}
	rec, err := s.putMeta(img, m)
	if err != nil {
		return nil, pullError(ref, err)
	}
	rec.Size = size
	var tags []string
	if ref.Tag() != "" {
		tags = []string{ref.String()}
	}
	out, err := s.commit(ctx, rec, ref.Name()+"@"+desc.Digest.String(), tags)
	if err != nil {
		return nil, pullError(ref, err)
	}
	emit(Event{Status: "Digest: " + desc.Digest.String()})
	if before != nil && before.ID == out.ID {
		emit(Event{Status: "Status: Image is up to date for " + ref.Familiar()})
	} else {
		emit(Event{Status: "Status: Downloaded newer image for " + ref.Familiar()})
	}
	return out, nil
}

// reportLocal tells what an offline pull did as a pull tells it: the
// image kept as it was is "up to date"; one the fallback brought back
// (kept layers re-tagged, or baked) lists its layers, "Already exists"
// for those that were unpacked before, then its digest.
func reportLocal(emit func(Event), ref Reference, before *Image, unpacked map[string]bool, img *Image) {
	what := ref.Tag()
	if what == "" {
		what = ref.Digest()
	}
	emit(Event{Status: what + ": Pulling from " + ref.Path()})
	if before != nil && before.ID == img.ID {
		emit(Event{Status: "Digest: " + img.ManifestDigest})
		emit(Event{Status: "Status: Image is up to date for " + ref.Familiar()})
		return
	}
	for i, l := range img.Manifest.Layers {
		status := StatusPullComplete
		if i < len(img.Config.RootFS.DiffIDs) && unpacked[img.Config.RootFS.DiffIDs[i].Hex] {
			status = StatusAlreadyExists
		}
		emit(Event{ID: idindex.Short(l.Digest.String()), Status: status})
	}
	emit(Event{Status: "Digest: " + img.ManifestDigest})
	emit(Event{Status: "Status: Downloaded newer image for " + ref.Familiar()})
}

// pullError words a registry's answer as Docker does.
func pullError(ref Reference, err error) error {
	var te *transport.Error
	if errors.As(err, &te) {
		switch {
		case te.StatusCode == http.StatusNotFound:
			return fmt.Errorf("pull access denied or manifest unknown for %s: the image or tag does not exist in the registry (check the name and tag): %w", ref.Familiar(), err)
		case te.StatusCode == http.StatusUnauthorized, te.StatusCode == http.StatusForbidden:
			return fmt.Errorf("pull access denied for %s: repository does not exist or may require 'docker login': %w", ref.Familiar(), err)
		}
	}
	return fmt.Errorf("pull %s: %w", ref.Familiar(), err)
}

// mirrorHost turns a mirror setting ("http://127.0.0.1:5000/",
// "mirror:5000") into a registry host and whether it speaks plain HTTP.
func mirrorHost(m string) (string, bool) {
	m = strings.TrimSpace(m)
	insecure := false
	if u, err := url.Parse(m); err == nil && u.Host != "" {
		insecure = u.Scheme == "http"
		return u.Host, insecure
	}
	return strings.TrimSuffix(m, "/"), false
}

func remoteRef(ref Reference, host string, insecure bool) (name.Reference, error) {
	var nopts []name.Option
	if insecure {
		nopts = append(nopts, name.Insecure)
	}
	s := host + "/" + ref.Path()
	if d := ref.Digest(); d != "" {
		return name.NewDigest(s+"@"+d, nopts...)
	}
	return name.NewTag(s+":"+ref.Tag(), nopts...)
}

// registryTransport is the one transport of every pull, so that pulls
// reuse its connections: a transport per pull left each pull's idle
// connections (a descriptor and two goroutines each) open for 90 s, which
// a server pulling all day accumulates.
var registryTransport = sync.OnceValue(func() http.RoundTripper {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 10 * time.Second
	tr.IdleConnTimeout = 30 * time.Second
	return tr
})

func remoteOptions(ctx context.Context, opts PullOptions) []remote.Option {
	p := v1.Platform{OS: "linux", Architecture: "amd64"}
	if opts.Platform != nil {
		p = *opts.Platform
	}
	t := opts.Transport
	if t == nil {
		t = registryTransport()
	}
	return []remote.Option{
		remote.WithContext(ctx),
		remote.WithPlatform(p),
		remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithTransport(boundManifests{t}),
		remote.WithUserAgent("dockyard"),
		remote.WithRetryBackoff(remote.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Steps: 2}),
	}
}

// pullLayers downloads the layers that are missing (three at a time, as
// Docker does) and unpacks each in order as soon as it and those below it
// are in. It returns the image's unpacked size.
func (s *Store) pullLayers(ctx context.Context, img v1.Image, m *v1.Manifest, cf *v1.ConfigFile, emit func(Event)) (int64, error) {
	n := len(m.Layers)
	ids := make([]string, n)
	have := make([]bool, n)
	done := make([]chan struct{}, n)
	fresh := make([]bool, n) // the blob was downloaded by this pull
	for i, l := range m.Layers {
		ids[i] = idindex.Short(l.Digest.String())
		done[i] = make(chan struct{})
		if _, err := s.layerSize(cf.RootFS.DiffIDs[i]); err == nil && s.hasBlob(l.Digest.String()) {
			have[i] = true
			close(done[i])
			emit(Event{ID: ids[i], Status: StatusAlreadyExists})
			continue
		}
		emit(Event{ID: ids[i], Status: StatusPullingFS})
	}
	g, gctx := errgroup.WithContext(ctx)
	sem := make(chan struct{}, 3)
	for i, l := range m.Layers {
		if have[i] {
			continue
		}
		g.Go(func() error {
			select {
			case sem <- struct{}{}:
			default:
				emit(Event{ID: ids[i], Status: StatusWaiting})
				select {
				case sem <- struct{}{}:
				case <-gctx.Done():
					return gctx.Err()
				}
			}
			defer func() { <-sem }()
			layer, err := img.LayerByDigest(l.Digest)
			if err != nil {
				return fmt.Errorf("layer %s: %w", l.Digest, err)
			}
			rc, err := layer.Compressed()
			if err != nil {
				return fmt.Errorf("layer %s: %w", l.Digest, err)
			}
			defer rc.Close()
			tick := ticker(func(cur int64) {
				emit(Event{ID: ids[i], Status: StatusDownloading, Current: cur, Total: l.Size})
			})
			fresh[i] = !s.hasBlob(l.Digest.String())
			err = s.putBlob(&ctxReader{gctx, rc}, l.Digest, tick)
			if err != nil {
				return fmt.Errorf("download layer %s: %w", l.Digest, err)
			}
			emit(Event{ID: ids[i], Status: StatusVerifying})
			emit(Event{ID: ids[i], Status: StatusDownloaded})
			close(done[i])
			return nil
		})
	}
	var size int64
	g.Go(func() error {
		for i, l := range m.Layers {
			select {
			case <-done[i]:
			case <-gctx.Done():
				return gctx.Err()
			}
			if have[i] {
				n, _ := s.layerSize(cf.RootFS.DiffIDs[i])
				size += n
				continue
			}
			tick := ticker(func(cur int64) {
				emit(Event{ID: ids[i], Status: StatusExtracting, Current: cur, Total: l.Size})
			})
			sl := &storedLayer{s: s, desc: l}
			// Not have[i]: the blob came with this pull.
			n, err := s.unpackLayer(gctx, sl.Compressed, cf.RootFS.DiffIDs[i], tick, true)
			if err != nil {
				if fresh[i] && errors.Is(err, errDiffIDMismatch) {
					// Not kept: a later pull would find it and skip the check.
					os.Remove(s.blobPath(l.Digest.String()))
				}
				return err
			}
			size += n
			emit(Event{ID: ids[i], Status: StatusPullComplete})
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return 0, err
	}
	return size, nil
}

// ticker turns byte counts into progress calls, at most one every 100 ms,
// so a fast loopback pull does not drown the terminal.
func ticker(f func(cur int64)) func(int64) {
	var cur int64
	var last time.Time
	return func(n int64) {
		cur += n
		if now := time.Now(); now.Sub(last) >= 100*time.Millisecond {
			last = now
			f(cur)
		}
	}
}
