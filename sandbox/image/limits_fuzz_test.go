package image

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// chunks reads data n bytes at a time, as a network body comes.
type chunks struct {
	data []byte
	n    int
}

func (c *chunks) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	k := min(len(p), c.n, len(c.data))
	copy(p, c.data[:k])
	c.data = c.data[k:]
	return k, nil
}

// FuzzManifestDecode: what a registry answers for a manifest is read
// through the pull's bound (here 1 KiB, so that the fuzzer reaches it):
// a body within it comes whole, a longer one fails with a TooLargeError
// after at most the bound; what is read decodes as a manifest, an index
// or a config, or fails, and what decodes encodes and decodes to the same.
func FuzzManifestDecode(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":2,"digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},"layers":[]}`), uint16(7))
	f.Add([]byte(`{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":1,"digest":"sha256:0000000000000000000000000000000000000000000000000000000000000000","platform":{"os":"linux","architecture":"amd64"}}]}`), uint16(1))
	f.Add([]byte(`{"architecture":"amd64","os":"linux","config":{"Cmd":["sh"],"Env":["A=1"]},"rootfs":{"type":"layers","diff_ids":[]},"history":[{"created_by":"x"}]}`), uint16(512))
	f.Add(bytes.Repeat([]byte("["), 2048), uint16(3))
	f.Fuzz(func(t *testing.T, data []byte, n uint16) {
		const limit = 1 << 10
		tooLarge := &TooLargeError{What: "manifest", Size: -1, Limit: limit}
		body := &boundedBody{rc: io.NopCloser(&chunks{data: data, n: int(n%4096) + 1}), left: limit, tooLarge: tooLarge,
			ctx: context.Background(), stop: func() {}}
		got, err := io.ReadAll(body)
		body.Close()
		if len(data) > limit {
			if !errors.Is(err, tooLarge) || len(got) > limit {
				t.Fatalf("a %d-byte manifest read %d bytes, %v; want at most %d and a TooLargeError", len(data), len(got), err, limit)
			}
			return
		}
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("a %d-byte manifest read as %d bytes, %v", len(data), len(got), err)
		}
		stable := func(what string, parse func([]byte) (any, error)) {
			v, err := parse(got)
			if err != nil {
				return
			}
			b1, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%s %q decoded but does not encode: %v", what, got, err)
			}
			v2, err := parse(b1)
			if err != nil {
				t.Fatalf("%s %q decoded, encoded as %q, does not decode again: %v", what, got, b1, err)
			}
			if b2, _ := json.Marshal(v2); !bytes.Equal(b1, b2) {
				t.Fatalf("%s round trip: %q then %q", what, b1, b2)
			}
		}
		// go-containerregistry writes a missing digest as ":", which it
		// cannot read back: only documents whose digests are all there
		// (as a pull requires) must round-trip.
		stable("manifest", func(b []byte) (any, error) {
			m, err := v1.ParseManifest(bytes.NewReader(b))
			if err == nil && (!allDigests(append([]v1.Descriptor{m.Config}, m.Layers...)) || m.Subject != nil && !allDigests([]v1.Descriptor{*m.Subject})) {
				return nil, errors.New("a digest is missing")
			}
			return m, err
		})
		stable("index", func(b []byte) (any, error) {
			m, err := v1.ParseIndexManifest(bytes.NewReader(b))
			if err == nil && (!allDigests(m.Manifests) || m.Subject != nil && !allDigests([]v1.Descriptor{*m.Subject})) {
				return nil, errors.New("a digest is missing")
			}
			return m, err
		})
		stable("config", func(b []byte) (any, error) {
			c, err := v1.ParseConfigFile(bytes.NewReader(b))
			if err == nil {
				for _, h := range c.RootFS.DiffIDs {
					if h.Hex == "" {
						return nil, errors.New("a digest is missing")
					}
				}
			}
			return c, err
		})
	})
}

func allDigests(ds []v1.Descriptor) bool {
	for _, d := range ds {
		if d.Digest.Hex == "" {
			return false
		}
	}
	return true
}
