#!/usr/bin/env bash
# dockyard's start: the summed package initialisation (GODEBUG=inittrace=1)
# of three commands, median of 21 runs each, the largest package inits, and
# `dockyard progress` beside a Go hello world built with the same Go, in one
# hyperfine run.
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

# As root, runs are at real-time priority (chrt), so that other work on a
# shared machine delays them less.
rt=()
[ "$(id -u)" = 0 ] && command -v chrt >/dev/null && rt=(chrt -f 50)

# inittrace lines of 21 runs of dockyard ARGS, as "run package ms"
traces() {
	for i in $(seq 21); do
		GODEBUG=inittrace=1 "${rt[@]}" "$dockyard" "$@" 2>&1 >/dev/null | awk -v r="$i" '/^init/{print r, $2, $5}'
	done
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "packages in go list -deps ./cmd/dockyard: $(go list -tags seccomp -deps ./cmd/dockyard | wc -l)"
for cmd in "progress" "docker ps" "learn --help"; do
	# shellcheck disable=SC2086
	traces $cmd >"$work/trace"
	printf 'summed init, dockyard %-12s %6s ms (median of 21 runs; target <= 5)\n' "$cmd" \
		"$(awk '{s[$1]+=$3} END{for (r in s) print s[r]}' "$work/trace" | median)"
	if [ "$cmd" = progress ]; then cp "$work/trace" "$work/progress.trace"; fi
done
echo "largest package inits of dockyard progress (median ms of 21 runs):"
for p in $(awk '{print $2}' "$work/progress.trace" | sort -u); do
	printf '%s %s\n' "$(awk -v p="$p" '$2==p{print $3}' "$work/progress.trace" | median)" "$p"
done | sort -rn | head -10 | sed 's/^/  /'

"${rt[@]}" hyperfine -N --warmup 10 --runs 200 --export-json "$work/start.json" \
	-n hello-world "$work/hello-world" \
	-n "dockyard progress" "$dockyard progress" 2>&1 >/dev/null | grep -v -e "Statistical outliers" -e "^ *$" >&2 || true
python3 - "$work/start.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
h, d = r["hello-world"]["median"] * 1e3, r["dockyard progress"]["median"] * 1e3
print(f"start, median: hello-world {h:.2f} ms, dockyard progress {d:.2f} ms = {d / h:.1f}x (target <= 3x)")
PY
