#!/usr/bin/env bash
# Pull + unpack of a ~100 MB, 5-layer random image from a loopback registry
# (go-containerregistry's registry in the test process), next to `skopeo
# copy` of the same image to a directory (download and verify only).
# Needs root (unpacking keeps ownership); skopeo is optional.
set -euo pipefail
cd "$(dirname "$0")/../.."
go test -tags seccomp,netgo,osusergo -run '^$' -bench 'BenchmarkPull$' -benchtime 5x ./sandbox/image/
