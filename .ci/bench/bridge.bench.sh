#!/usr/bin/env bash
# `dockyard docker run --rm busybox true` on the default bridge network
# against `podman run --rm busybox true` on podman's default network, in one
# hyperfine run. Target (issue 5): Dockyard's median <= 1/3 of podman's and
# <= 100 ms.
#
# The podman side uses the setup this machine needs (see
# /work/shared/DESIGN.md): runc, cgroupfs, no default ulimits, file events,
# in a storage of its own. busybox comes from Dockyard's own baked image,
# saved and loaded into podman, so both run the same bytes.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${DOCKYARD:-$PWD/bin/dockyard}
RUNS=${BENCH_RUNS:-20}

work=$(mktemp -d /tmp/dockyard-bridge-bench.XXXXXX)
export DOCKYARD_ROOT=${DOCKYARD_BENCH_ROOT:-$work/root}
cleanup() {
	podman --root "$work/podman" --runroot "$work/podman-run" rm -af >/dev/null 2>&1 || true
	podman --root "$work/podman" --runroot "$work/podman-run" system reset -f >/dev/null 2>&1 || true
	# Remove the bench root's bridges and nftables table with it.
	if [ -z "${DOCKYARD_BENCH_ROOT:-}" ]; then
		"$BIN" docker network reset >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = []
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
export CONTAINERS_CONF=$work/containers.conf
podman=(podman --root "$work/podman" --runroot "$work/podman-run")

"$BIN" docker image inspect busybox >/dev/null 2>&1 || "$BIN" images prepare busybox
"$BIN" docker save busybox | "${podman[@]}" load -q >/dev/null
"${podman[@]}" tag "$("${podman[@]}" images -q | head -1)" localhost/busybox:latest 2>/dev/null || true

# Warm both up once (the first podman run creates its network).
"$BIN" docker run --rm busybox true
"${podman[@]}" run --rm busybox true

hyperfine --runs "$RUNS" --warmup 3 --export-csv "$work/bridge.csv" \
	-n 'dockyard docker run --rm busybox true (bridge)' "$BIN docker run --rm busybox true" \
	-n 'podman run --rm busybox true' "${podman[*]} run --rm busybox true"
# The issue's target is on medians: print them (seconds), with the ratio.
awk -F, 'NR > 1 { name[NR] = $1; med[NR] = $4; printf "median %-50s %.1f ms\n", $1, $4 * 1000 }
	END { if (med[3] > 0) printf "dockyard/podman median ratio: %.2f (target <= 0.33; dockyard target <= 100 ms)\n", med[2] / med[3] }' "$work/bridge.csv"
