// Package images holds the recipes of the lesson images that Dockyard bakes
// offline from Debian's archive (sandbox/bake): one folder per image with an
// image.yaml (tags, and for the base image how to bootstrap it) and, for all
// but the base, an ordinary Dockerfile built FROM debian:bookworm.
package images

import (
	"embed"
	"io/fs"
)

//go:embed */*
var recipes embed.FS

// Recipes returns the recipe folders, one per image name.
func Recipes() fs.FS { return recipes }
