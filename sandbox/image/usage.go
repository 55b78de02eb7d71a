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
	// Images are the images one by one, by id.
	Images map[string]ImageUsage
}

// ImageUsage is one image's share of Usage, as the Engine API reports it.
type ImageUsage struct {
	Size       int64 // all its layers
	SharedSize int64 // its layers that other images have too
	Active     bool  // a container uses it
}

// DiskUsage adds up the store's images and their layers.
func (s *Store) DiskUsage(ctx context.Context) (Usage, error) {
	imgs, err := s.List(ctx)
	if err != nil {
		return Usage{}, err
	}
	u := Usage{Images: map[string]ImageUsage{}}
	// usedBy lists every container: ask once per image.
	active := map[string]bool{}
	size := map[string]int64{} // layer diff id -> bytes
	images := map[string]int{} // layer diff id -> images that have it
	used := map[string]bool{}  // layers of images in use
	for _, img := range imgs {
		active[img.ID] = len(s.usedBy(img.ID)) > 0
		u.Total++
		if active[img.ID] {
			u.Active++
		}
		if img.Config == nil {
			continue
		}
		for _, d := range img.Config.RootFS.DiffIDs {
			if _, seen := size[d.Hex]; !seen {
				// A layer without its size record counts as empty.
				size[d.Hex], _ = s.layerSize(d)
			}
			images[d.Hex]++
			if active[img.ID] {
				used[d.Hex] = true
			}
		}
	}
	for hex, n := range size {
		u.Size += n
		if !used[hex] {
			u.Reclaimable += n
		}
	}
	for _, img := range imgs {
		iu := ImageUsage{Active: active[img.ID]}
		if img.Config != nil {
			for _, d := range img.Config.RootFS.DiffIDs {
				iu.Size += size[d.Hex]
				if images[d.Hex] > 1 {
					iu.SharedSize += size[d.Hex]
				}
			}
		}
		u.Images[img.ID] = iu
	}
	return u, nil
}
