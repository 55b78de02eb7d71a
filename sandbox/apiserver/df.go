package apiserver

import (
	"net/http"
	"time"

	"github.com/moby/moby/api/types/build"
	mobycontainer "github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	apivol "github.com/moby/moby/api/types/volume"

	"github.com/dockyard-lab/dockyard/sandbox/engine"
)

// diskUsage is GET /system/df's answer in API 1.50 and before (docker CLI
// 28 and older add it up into the table of docker system df themselves).
type diskUsage struct {
	LayersSize int64
	Images     []image.Summary
	Containers []mobycontainer.Summary
	Volumes    []apivol.Volume
	BuildCache []build.CacheRecord
}

// systemDf is GET /system/df.
func (s *Server) systemDf(w http.ResponseWriter, r *http.Request) error {
	du, err := s.e.DiskUsage(r.Context())
	if err != nil {
		return err
	}
	out := diskUsage{
		LayersSize: du.Images.Size,
		Images:     []image.Summary{},
		Containers: []mobycontainer.Summary{},
		Volumes:    []apivol.Volume{},
		BuildCache: []build.CacheRecord{},
	}
	imgs, err := s.e.Images(r.Context())
	if err != nil {
		return err
	}
	cs, err := s.e.Containers()
	if err != nil {
		return err
	}
	for _, img := range imgs {
		iu := du.ImageSizes[img.ID]
		users := int64(0)
		for _, c := range cs {
			if c.Spec.ImageID == img.ID {
				users++
			}
		}
		out.Images = append(out.Images, image.Summary{
			ID: img.ID, RepoTags: nonNilSlice(img.RepoTags), RepoDigests: nonNilSlice(img.RepoDigests),
			Created: img.Created.Unix(), Size: iu.Size, SharedSize: iu.SharedSize, Containers: users,
			Labels: map[string]string{},
		})
	}
	now := time.Now()
	for _, c := range cs {
		sum := s.summary(c, now)
		sum.SizeRw = du.ContainerSizes[c.ID]
		out.Containers = append(out.Containers, sum)
	}
	vols, err := s.e.ListVolumes(r.Context(), nil)
	if err != nil {
		return err
	}
	for _, v := range vols {
		av := engine.VolumeInspect(v)
		av.UsageData = &apivol.UsageData{Size: du.VolumeSizes[v.Name], RefCount: int64(len(s.e.VolumeUsers(v)))}
		out.Volumes = append(out.Volumes, av)
	}
	for _, c := range du.CacheRecords {
		used := c.LastUsed
		out.BuildCache = append(out.BuildCache, build.CacheRecord{
			ID: c.ID, Type: "regular", Description: "cached build layer", Size: c.Size,
			CreatedAt: c.LastUsed, LastUsedAt: &used, UsageCount: 1,
		})
	}
	return writeJSON(w, http.StatusOK, out)
}
