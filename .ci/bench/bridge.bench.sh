#!/usr/bin/env bash
# `dockyard docker run --rm busybox true` on the default bridge network
# against `podman run --rm busybox true` on podman's default network, in one
# hyperfine run. Target (issue 5): Dockyard's median <= 1/3 of podman's and
# <= 100 ms. dockyard with --network none runs beside them, so the bridge's
# own share shows. The setup is run.bench.sh's (issue 4): a busybox root
# filesystem from Debian's busybox-static, imported into podman (runc,
# cgroupfs, no ulimits), saved and loaded into Dockyard, so both run the same
# bytes, offline. Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin
[ -x bin/dockyard ] || make build
dockyard=${DOCKYARD:-$PWD/bin/dockyard}

work=$(mktemp -d /tmp/dockyard-bridge-bench.XXXXXX)
export DOCKYARD_ROOT=$work/dockyard
podman=(podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay)
cleanup() {
	"$dockyard" docker container prune -f >/dev/null 2>&1 || true
	# The root's bridge and nftables table go with it.
	"$dockyard" docker network reset >/dev/null 2>&1 || true
	"${podman[@]}" rm -af >/dev/null 2>&1 || true
	"${podman[@]}" system reset -f >/dev/null 2>&1 || true
	umount -R "$work"/podman/root/overlay 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,etc,tmp,proc,sys,dev,root}
cp /bin/busybox "$rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
tar -C "$rootfs" -cf "$work/rootfs.tar" .

source .ci/bench/podman-conf.sh
podman_conf "$work"
# podman's storage-untar was seen spinning at full CPU for 17 minutes on
# this 2 MB tar under load: bound it, and say so instead of hanging.
if ! timeout 120 "${podman[@]}" import --change 'CMD ["sh"]' "$work/rootfs.tar" docker.io/library/busybox:latest >/dev/null; then
	echo "bench: podman import of the busybox rootfs failed or took over 120 s; no podman figures" >&2
	exit 1
fi
"${podman[@]}" save --format docker-archive -o "$work/busybox.tar" docker.io/library/busybox:latest >/dev/null
"$dockyard" docker load -i "$work/busybox.tar" >/dev/null

# One checked warm-up each (the first one creates each side's bridge).
"$dockyard" docker run --rm busybox true
"${podman[@]}" run --rm busybox true

hyperfine --warmup 3 --runs "${BENCH_RUNS:-30}" -N \
	--export-markdown "$work/bridge.md" --export-json "$work/bridge.json" \
	-n dockyard-bridge "$dockyard docker run --rm busybox true" \
	-n podman-bridge "${podman[*]} run --rm busybox true" \
	-n dockyard-none "$dockyard docker run --rm --network none busybox true"
cat "$work/bridge.md"
python3 - "$work/bridge.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
for name, ms in r.items():
    print(f"median {name}: {ms:.1f} ms")
d, p = r["dockyard-bridge"], r["podman-bridge"]
print(f"dockyard / podman = {d / p:.2f} (target <= 0.33); dockyard <= 100 ms: {d <= 100}")
print(f"bridge - none = {d - r['dockyard-none']:.1f} ms (target <= 15)")
PY
