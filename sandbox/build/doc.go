// Package build is Dockyard's Dockerfile builder. It parses a Dockerfile with
// moby/buildkit's parser and instruction model, and runs each step the way
// Docker's classic builder does: RUN in a real container whose overlay upper
// dir becomes the step's layer, COPY and ADD from the build context, the
// rest as changes to the image config. Each step's result is an image in the
// image store, and a cache keyed by the parent image, the instruction and its
// inputs (file contents for COPY) makes an unchanged rebuild near-instant.
package build
