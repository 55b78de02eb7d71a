#!/usr/bin/env bash
# dockyard's start: the summed package initialisation (GODEBUG=inittrace=1)
# of three commands, median of 21 runs each, and `dockyard progress` beside a
# Go hello world built with the same Go, in one hyperfine run.
# Targets (issue 19): summed init <= 5 ms for any command; progress within
# 3x of hello world. Needs no root. DOCKYARD names another binary to measure.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin
command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine; }
[ -n "${DOCKYARD:-}" ] || [ -x bin/dockyard ] || make build
dockyard=${DOCKYARD:-$PWD/bin/dockyard}

work=$(mktemp -d /tmp/dockyard-init-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/hello"
printf 'module hello\n\ngo 1.22\n' >"$work/hello/go.mod"
printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello, world") }\n' >"$work/hello/main.go"
(cd "$work/hello" && CGO_ENABLED=1 go build -o "$work/hello-world" .)
export DOCKYARD_ROOT=$work/root

# median of the per-run sums of inittrace's clock column
initsum() {
	for _ in $(seq 21); do
		GODEBUG=inittrace=1 "$dockyard" "$@" 2>&1 >/dev/null | awk '/^init/{s+=$5} END{print s+0}'
	done | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "packages linked: $(go list -tags seccomp -deps ./cmd/dockyard | wc -l)"
for cmd in "progress" "docker ps" "learn --help"; do
	# shellcheck disable=SC2086
	printf 'summed init, dockyard %-12s %6s ms (median of 21; target <= 5)\n' "$cmd" "$(initsum $cmd)"
done
echo "largest package inits of dockyard progress (ms):"
GODEBUG=inittrace=1 "$dockyard" progress 2>&1 >/dev/null | awk '/^init/{print $5, $2}' | sort -rn | head -10 | sed 's/^/  /'

hyperfine -N --warmup 10 --runs 200 --export-json "$work/start.json" \
	-n hello-world "$work/hello-world" \
	-n "dockyard progress" "$dockyard progress" >/dev/null
python3 - "$work/start.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
h, d = r["hello-world"]["median"] * 1e3, r["dockyard progress"]["median"] * 1e3
print(f"start, median: hello-world {h:.2f} ms, dockyard progress {d:.2f} ms = {d / h:.1f}x (target <= 3x)")
PY
