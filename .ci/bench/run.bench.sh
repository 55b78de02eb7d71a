#!/usr/bin/env bash
# `docker run --rm --network none busybox true` on Dockyard, beside podman
# (with runc, as Dockyard) and a bare `runc run` of a bundle with the same
# busybox root filesystem. Everything is made offline from Debian's
# busybox-static: a rootfs tar, imported into podman, saved as a
# docker-archive and loaded into Dockyard. Needs root.
# Targets: Dockyard's median <= 1/3 of podman's and <= 50 ms (issue 4), and
# within 1.5x of runc's in the same run (issue 19). DOCKYARD names another
# dockyard binary to measure (dockyard-monitor beside it is used).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin

need=()
for p in podman runc hyperfine busybox-static; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
[ -n "${DOCKYARD:-}" ] || [ -x bin/dockyard ] || make build
dockyard=${DOCKYARD:-$PWD/bin/dockyard}

work=$(mktemp -d /tmp/dockyard-bench.XXXXXX)
cleanup() {
	DOCKYARD_ROOT=$work/dockyard "$dockyard" docker container prune -f >/dev/null 2>&1 || true
	podman --root "$work/podman/root" --runroot "$work/podman/run" rm -af >/dev/null 2>&1 || true
	podman --root "$work/podman/root" --runroot "$work/podman/run" system reset -f >/dev/null 2>&1 || true
	umount -R "$work"/podman/root/overlay 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

# A busybox root filesystem as a tar.
rootfs=$work/rootfs
mkdir -p "$rootfs"/{bin,etc,tmp,proc,sys,dev,root}
cp /bin/busybox "$rootfs/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -s busybox "$rootfs/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
tar -C "$rootfs" -cf "$work/rootfs.tar" .

# podman: runc, cgroupfs, no ulimits (containers.conf via CONTAINERS_CONF).
source .ci/bench/podman-conf.sh
podman_conf "$work"
podman=(podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay)
# podman's storage-untar was seen spinning at full CPU for 17 minutes on
# this 2 MB tar under load: bound it, and say so instead of hanging.
if ! timeout 120 "${podman[@]}" import --change 'CMD ["sh"]' "$work/rootfs.tar" docker.io/library/busybox:latest >/dev/null; then
	echo "bench: podman import of the busybox rootfs failed or took over 120 s; no podman figures" >&2
	exit 1
fi
"${podman[@]}" save --format docker-archive -o "$work/busybox.tar" docker.io/library/busybox:latest >/dev/null

# Dockyard: load the same image.
export DOCKYARD_ROOT=$work/dockyard
"$dockyard" docker load -i "$work/busybox.tar" >/dev/null

# runc: a bundle of the same root filesystem running `true`.
bundle=$work/bundle
mkdir -p "$bundle/rootfs"
tar -C "$bundle/rootfs" -xf "$work/rootfs.tar"
(cd "$bundle" && runc spec && sed -i 's/"terminal": true/"terminal": false/; s/"sh"$/"true"/' config.json)

# One warm-up run each, checked, so a broken setup fails loudly.
"$dockyard" docker run --rm --network none busybox true
"${podman[@]}" run --rm --network none busybox true
runc --root "$work/runc" run -b "$bundle" dockyard-bench

hyperfine --warmup 3 --runs "${BENCH_RUNS:-30}" -N \
	--export-markdown "$work/run.md" --export-json "$work/run.json" \
	-n dockyard "$dockyard docker run --rm --network none busybox true" \
	-n podman "${podman[*]} run --rm --network none busybox true" \
	-n runc "runc --root $work/runc run -b $bundle dockyard-bench"
cat "$work/run.md"
# The target is on medians: a shared machine's outliers swing the means.
python3 - "$work/run.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
for name, ms in r.items():
    print(f"median {name}: {ms:.1f} ms")
print(f"dockyard / podman = {r['dockyard'] / r['podman']:.2f} (target <= 0.33); dockyard <= 50 ms: {r['dockyard'] <= 50}")
print(f"dockyard / runc = {r['dockyard'] / r['runc']:.2f} (target <= 1.5)")
PY

# Memory of one idle monitor process (target <= 10 MB).
id=$("$dockyard" docker run -d --network none busybox sleep 1000)
sleep 3 # the monitor trims its memory 2 s after the start
pid=$("$dockyard" docker inspect --format '{{.State.Pid}}' "$id")
mon=$(ps -o ppid= -p "$pid" | tr -d ' ')
echo "idle monitor (pid $mon): $(grep -E '^(Rss|Pss_Anon|Pss_File):' /proc/"$mon"/smaps_rollup | tr -s ' ' | tr '\n' ' ')"
"$dockyard" docker rm -f "$id" >/dev/null
