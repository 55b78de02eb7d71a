package image

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// LayerDirs returns the unpacked layer directories of img, topmost first,
// ready to be overlayfs lowerdirs (lowerdir=strings.Join(dirs, ":")).
// Layers that are not unpacked yet (an image written before a crash) are
// unpacked now. The directories are shared by every image that has the
// layer: never write into them.
func (s *Store) LayerDirs(ctx context.Context, img *Image) ([]string, error) {
	diffIDs := img.Config.RootFS.DiffIDs
	if len(diffIDs) != len(img.Manifest.Layers) {
		return nil, fmt.Errorf("image %s: config lists %d layers, manifest %d", img.ID, len(diffIDs), len(img.Manifest.Layers))
	}
	var release func()
	dirs := make([]string, len(diffIDs))
	for i, d := range diffIDs {
		dir := s.layerDir(d)
		if _, err := os.Stat(dir); err != nil {
			if release == nil {
				var err error
				if release, err = s.ingest(ctx); err != nil {
					return nil, err
				}
				defer release()
			}
			l := &storedLayer{s: s, desc: img.Manifest.Layers[i]}
			if _, err := s.unpackLayer(ctx, l.Compressed, d, nil, false); err != nil {
				return nil, err
			}
		}
		dirs[len(diffIDs)-1-i] = dir
	}
	return dirs, nil
}

func (s *Store) layerDir(diffID v1.Hash) string {
	return filepath.Join(s.dir, "layers", diffID.Hex)
}

// layerSize returns the unpacked size recorded for a layer.
func (s *Store) layerSize(diffID v1.Hash) (int64, error) {
	b, err := os.ReadFile(s.layerDir(diffID) + ".size")
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// unpackLayer unpacks a layer blob (compressed or not) into its directory
// unless it is there already, checking the uncompressed content against
// diffID. It returns the unpacked size. Two processes may unpack the same
// layer at once: each works in its own temporary directory and the first
// rename wins.
//
// newBlob says the blob was not in the store before this image came: an
// unpacked layer is shared by every image whose config names its diff id,
// so a new blob paired with a diff id already unpacked is hashed first, or
// an archive could name another image's diff id and carry other content.
func (s *Store) unpackLayer(ctx context.Context, open func() (io.ReadCloser, error), diffID v1.Hash, onRead func(int64), newBlob bool) (int64, error) {
	dir := s.layerDir(diffID)
	if _, err := os.Stat(dir); err == nil {
		if n, err := s.layerSize(diffID); err == nil {
			if newBlob {
				if err := verifyDiffID(ctx, open, diffID); err != nil {
					return 0, err
				}
			}
			return n, nil
		}
	}
	rc, err := open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	var r io.Reader = rc
	if onRead != nil {
		r = io.TeeReader(r, progressWriter(onRead))
	}
	ur, err := decompress(r)
	if err != nil {
		return 0, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	defer ur.Close()
	tmp, err := os.MkdirTemp(filepath.Join(s.dir, "layers"), ".tmp-"+diffID.Hex[:12]+"-")
	if err != nil {
		return 0, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return 0, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	h := sha256.New()
	tee := io.TeeReader(ur, h)
	size, err := Unpack(&ctxReader{ctx, tee}, tmp)
	if err != nil {
		return 0, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	// The tar's end-of-archive padding belongs to the diff id too.
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return 0, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != diffID.Hex {
		return 0, diffIDMismatch(diffID, got)
	}
	if err := os.WriteFile(dir+".size", []byte(strconv.FormatInt(size, 10)), 0o600); err != nil {
		return 0, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, serr := os.Stat(dir); serr == nil {
			return size, nil // another process unpacked it first
		}
		return 0, fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	return size, nil
}

// ctxReader stops a long unpack when the context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// errDiffIDMismatch is wrapped by the error of a layer whose content does
// not hash to the diff id its config gives.
var errDiffIDMismatch = errors.New("the image config does not match its layer")

func diffIDMismatch(diffID v1.Hash, got string) error {
	return fmt.Errorf("unpack layer %s: content has diff id sha256:%s (%w)", diffID, got, errDiffIDMismatch)
}

// verifyDiffID checks that the blob open reads decompresses to diffID.
func verifyDiffID(ctx context.Context, open func() (io.ReadCloser, error), diffID v1.Hash) error {
	rc, err := open()
	if err != nil {
		return err
	}
	defer rc.Close()
	ur, err := decompress(&ctxReader{ctx, rc})
	if err != nil {
		return fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	defer ur.Close()
	h := sha256.New()
	if _, err := io.Copy(h, ur); err != nil {
		return fmt.Errorf("unpack layer %s: %w", diffID, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != diffID.Hex {
		return diffIDMismatch(diffID, got)
	}
	return nil
}
