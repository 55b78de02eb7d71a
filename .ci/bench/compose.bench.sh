#!/usr/bin/env bash
# `docker compose up -d --wait` then `down` of a three-service file (nginx,
# postgres with a health check, busybox) on Dockyard, beside podman-compose
# on podman (runc, as Dockyard) in the same hyperfine run. The images are
# the lesson images Dockyard bakes (from $DOCKYARD_TEST_ROOT, where
# .ci/setup bakes them), saved once and loaded into both engines. The
# database's named volume survives `down`, as a student's does between two
# `up`s, so every measured `up` starts an initialised PostgreSQL; the
# warm-up run initialises it. podman-compose has no --wait and podman runs
# no health checks without systemd: its side waits for
# `podman healthcheck run` to pass, polling every 50 ms. Needs root.
# Target: Dockyard's median <= 1/3 of podman-compose's (issue 17).
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin

need=()
for p in podman podman-compose hyperfine; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
[ -n "${DOCKYARD:-}" ] || [ -x bin/dockyard ] || make build
[ -x bin/cli-plugins/docker-compose ] || make compose
dockyard=${DOCKYARD:-$PWD/bin/dockyard}
if [ "$dockyard" != "$PWD/bin/dockyard" ]; then
	# docker compose runs the plugin beside the dockyard binary.
	mkdir -p "$(dirname "$dockyard")/cli-plugins"
	ln -sf "$PWD/bin/cli-plugins/docker-compose" "$(dirname "$dockyard")/cli-plugins/docker-compose"
fi
images=${DOCKYARD_TEST_ROOT:-/var/cache/dockyard-test}

work=$(mktemp -d /tmp/dockyard-bench-compose.XXXXXX)
file=$work/compose.yaml
podman=(podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay)
pc=(timeout 300 podman-compose --podman-args "--root $work/podman/root --runroot $work/podman/run --storage-driver overlay" -f "$file" -p benchpm)
dc=("$dockyard" docker compose -f "$file" -p benchdy)
cleanup() {
	DOCKYARD_ROOT=$work/dockyard timeout 120 "${dc[@]}" down -v -t 1 >/dev/null 2>&1 || true
	DOCKYARD_ROOT=$work/dockyard timeout 60 "$dockyard" docker network reset >/dev/null 2>&1 || true
	timeout 120 "${pc[@]}" down -v >/dev/null 2>&1 || true
	timeout 60 "${podman[@]}" rm -af >/dev/null 2>&1 || true
	timeout 120 "${podman[@]}" system reset -f >/dev/null 2>&1 || true
	umount -R "$work"/podman/root/overlay 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

cat >"$file" <<'YAML'
services:
  web:
    image: nginx:latest
  db:
    image: postgres:latest
    environment:
      POSTGRES_PASSWORD: bench
    volumes:
      - pgdata:/var/lib/postgresql/data
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 1s
      timeout: 5s
      retries: 60
      start_period: 60s
      start_interval: 100ms
  client:
    image: busybox:latest
    # A shell that leaves on SIGTERM: stop takes no grace period.
    command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]
    depends_on:
      - web
      - db
volumes:
  pgdata:
YAML

# podman: runc, cgroupfs, file events (no systemd), as run.bench.sh.
source .ci/bench/podman-conf.sh
podman_conf "$work"

# The same three images in both engines.
DOCKYARD_ROOT=$images timeout 600 "$dockyard" docker save -o "$work/images.tar" nginx:latest postgres:latest busybox:latest
DOCKYARD_ROOT=$work/dockyard timeout 600 "$dockyard" docker load -i "$work/images.tar" >/dev/null
# podman's storage untar has been seen spinning for many minutes under
# load: bound it, and say so instead of hanging.
if ! timeout 600 "${podman[@]}" load -i "$work/images.tar" >/dev/null; then
	echo "bench: podman load of the three images failed or took over 600 s; no podman figures" >&2
	exit 1
fi

# The podman side's --wait: the database's check passes (the other two
# services are running once podman-compose up -d returns).
cat >"$work/podman-up-down" <<SH
#!/bin/sh
set -e
${pc[*]@Q} up -d >/dev/null 2>&1
end=\$((\$(date +%s) + 120))
until ${podman[*]@Q} healthcheck run benchpm_db_1 >/dev/null 2>&1; do
	[ \$(date +%s) -lt \$end ] || { echo "benchpm_db_1 not healthy within 120 s" >&2; exit 1; }
	sleep 0.05
done
${pc[*]@Q} down >/dev/null 2>&1
SH
cat >"$work/dockyard-up-down" <<SH
#!/bin/sh
set -e
export DOCKYARD_ROOT=${work@Q}/dockyard
timeout 300 ${dc[*]@Q} up -d --wait >/dev/null 2>&1
timeout 300 ${dc[*]@Q} down >/dev/null 2>&1
SH
chmod +x "$work/podman-up-down" "$work/dockyard-up-down"

# One checked run each first: it initialises the database volumes, and a
# broken setup fails loudly here rather than as hyperfine's numbers.
"$work/dockyard-up-down"
"$work/podman-up-down"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine --warmup 1 --runs "${BENCH_RUNS:-10}" -N \
	--export-markdown "$work/compose.md" --export-json "$work/compose.json" \
	-n dockyard "$work/dockyard-up-down" \
	-n podman-compose "$work/podman-up-down"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$work/compose.md"
python3 - "$work/compose.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] for x in json.load(open(sys.argv[1]))["results"]}
for name, s in r.items():
    print(f"median {name}: {s:.2f} s")
print(f"dockyard / podman-compose = {r['dockyard'] / r['podman-compose']:.2f} (target <= 0.33)")
PY
