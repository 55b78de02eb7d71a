package image

import "context"

// Usage is what `docker system df` shows of the images: how many there
// are, how many containers use (Active), the bytes their unpacked layers
// take, each layer counted once however many images share it, and the
// bytes that removing every unused image would free (Reclaimable: the
// layers no used image needs).
type Usage struct {
	Total, Active     int
	Size, Reclaimable int64
}

// DiskUsage adds up the store's images and their layers.
func (s *Store) DiskUsage(ctx context.Context) (Usage, error) {
	imgs, err := s.List(ctx)
	if err != nil {
		return Usage{}, err
	}
	var u Usage
	all, used := map[string]int64{}, map[string]bool{}
	for _, img := range imgs {
		u.Total++
		active := len(s.usedBy(img.ID)) > 0
		if active {
			u.Active++
		}
		if img.Config == nil {
			continue
		}
		for _, d := range img.Config.RootFS.DiffIDs {
			if _, seen := all[d.Hex]; !seen {
				// A layer without its size record counts as empty.
				size, _ := s.layerSize(d)
				all[d.Hex] = size
			}
			if active {
				used[d.Hex] = true
			}
		}
	}
	for hex, size := range all {
		u.Size += size
		if !used[hex] {
			u.Reclaimable += size
		}
	}
	return u, nil
}
