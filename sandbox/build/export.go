package build

import (
	"context"
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// export writes the final state as an image and names it.
func (r *run) export(ctx context.Context, st *state) (*Result, error) {
	v := r.p.vertex("exporting to image")
	if len(r.opts.Labels) > 0 {
		if st.cfg.Config.Labels == nil {
			st.cfg.Config.Labels = map[string]string{}
		}
		for k, val := range r.opts.Labels {
			st.cfg.Config.Labels[k] = val
		}
	}
	created := historyTime(st.cfg)
	if created.IsZero() {
		created = r.now()
	}
	st.cfg.Created = v1.Time{Time: created}
	if st.cfg.OS == "" {
		st.cfg.OS, st.cfg.Architecture = "linux", goarch()
	}
	img, err := r.image(st)
	if err != nil {
		v.fail(err)
		return nil, err
	}
	start := time.Now()
	id, err := r.b.Images.Write(ctx, img, r.opts.Tags...)
	if err != nil {
		v.fail(err)
		return nil, fmt.Errorf("write image: %w", err)
	}
	v.printf("writing image %s %.1fs done", id, time.Since(start).Seconds())
	for _, t := range r.opts.Tags {
		v.printf("naming to %s done", normalize(t))
	}
	v.done()
	return &Result{ID: id, Tags: r.opts.Tags}, nil
}
