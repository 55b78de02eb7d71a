package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/dockyard-lab/dockyard/sandbox/build"
)

// CommitOptions are `docker commit`'s.
type CommitOptions struct {
	// Ref names the new image ("" leaves it untagged, as Docker does).
	Ref     string
	Author  string
	Message string
}

// Commit is `docker commit`: a new image made of the container's image
// plus one layer of what the container changed (its overlay's writable
// layer, whiteouts turned into OCI whiteouts), configured as the container
// runs (its command, environment, working directory, user, ports and
// labels). It returns the new image's id.
func (e *Engine) Commit(ctx context.Context, ref string, o CommitOptions) (string, error) {
	c, err := e.containers.Get(ref)
	if err != nil {
		return "", err
	}
	base, err := e.images.Get(ctx, c.Spec.ImageID)
	if err != nil {
		return "", fmt.Errorf("the image of container %s: %w", c.ShortID(), err)
	}
	v, err := e.images.V1(base)
	if err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp("", "dockyard-commit-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	// The engine's mount points stay out, as Docker keeps them in a layer
	// of their own; their contents are never the container's.
	layer, err := build.LayerFromDir(filepath.Join(e.containers.Dir(c.ID), "upper"), filepath.Join(tmp, "layer.tar.gz"),
		build.LayerOptions{Skip: []string{"proc", "sys", "dev"}})
	if err != nil {
		return "", fmt.Errorf("commit %s: %w", c.ShortID(), err)
	}
	cfgFile, err := v.ConfigFile()
	if err != nil {
		return "", err
	}
	cfg := cfgFile.DeepCopy()
	cc := c.Spec.Config
	cfg.Config.Cmd, cfg.Config.Entrypoint = cc.Cmd, cc.Entrypoint
	cfg.Config.Env, cfg.Config.WorkingDir, cfg.Config.User = cc.Env, cc.WorkingDir, cc.User
	cfg.Config.Labels = cc.Labels
	if cc.StopSignal != "" {
		cfg.Config.StopSignal = cc.StopSignal
	}
	if len(cc.ExposedPorts) > 0 {
		cfg.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range cc.ExposedPorts {
			cfg.Config.ExposedPorts[p] = struct{}{}
		}
	}
	now := time.Now().UTC()
	cfg.Created = v1.Time{Time: now}
	cfg.Author = o.Author
	img, err := mutate.ConfigFile(v, cfg)
	if err != nil {
		return "", err
	}
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, History: v1.History{
		Created:   v1.Time{Time: now},
		CreatedBy: strings.Join(cc.Args(), " "),
		Author:    o.Author,
		Comment:   o.Message,
	}})
	if err != nil {
		return "", err
	}
	var tags []string
	if o.Ref != "" {
		tags = []string{o.Ref}
	}
	stored, err := e.images.Write(ctx, img, tags...)
	if err != nil {
		return "", err
	}
	return stored.ID, nil
}
