package engine

import (
	"context"

	"github.com/dockyard-lab/dockyard/sandbox/build"
	"github.com/dockyard-lab/dockyard/sandbox/container"
	"github.com/dockyard-lab/dockyard/sandbox/image"
)

// UsageRow is one line of `docker system df`.
type UsageRow struct {
	Total, Active int
	// Size is the bytes the objects take; Reclaimable what removing the
	// inactive ones would free.
	Size, Reclaimable int64
}

// DiskUsage is `docker system df`: the disk the engine's images,
// containers' writable layers, volumes and build cache take.
type DiskUsage struct {
	Images, Containers, Volumes, BuildCache UsageRow
	// The objects behind the rows, for the Engine API's /system/df.
	ImageSizes     map[string]image.ImageUsage // by image id
	ContainerSizes map[string]int64            // writable layer bytes by container id
	VolumeSizes    map[string]int64            // data bytes by volume name
	CacheRecords   []build.CacheRecord
}

// DiskUsage adds up what the state root holds, as Docker counts it: an
// image is active while a container (running or not) uses it, a
// container while it runs, a volume while a container mounts it; the build
// cache is never in use between builds.
func (e *Engine) DiskUsage(ctx context.Context) (DiskUsage, error) {
	du := DiskUsage{ContainerSizes: map[string]int64{}, VolumeSizes: map[string]int64{}}
	iu, err := e.images.DiskUsage(ctx)
	if err != nil {
		return du, err
	}
	du.Images = UsageRow{Total: iu.Total, Active: iu.Active, Size: iu.Size, Reclaimable: iu.Reclaimable}
	du.ImageSizes = iu.Images

	cs, err := e.containers.List()
	if err != nil {
		return du, err
	}
	for _, c := range cs {
		size := e.containers.WritableSize(c.ID)
		du.ContainerSizes[c.ID] = size
		du.Containers.Total++
		du.Containers.Size += size
		switch c.State.Status {
		case container.Running, container.Restarting:
			du.Containers.Active++
		default:
			du.Containers.Reclaimable += size
		}
	}

	vs, err := e.volumes()
	if err != nil {
		return du, err
	}
	vols, err := vs.List(ctx)
	if err != nil {
		return du, err
	}
	for _, v := range vols {
		size := vs.Size(v)
		du.VolumeSizes[v.Name] = size
		du.Volumes.Total++
		du.Volumes.Size += size
		if len(vs.Users(v)) > 0 {
			du.Volumes.Active++
		} else {
			du.Volumes.Reclaimable += size
		}
	}

	du.CacheRecords = e.Builder().CacheUsage()
	for _, r := range du.CacheRecords {
		du.BuildCache.Total++
		du.BuildCache.Size += r.Size
		du.BuildCache.Reclaimable += r.Size
	}
	return du, nil
}
