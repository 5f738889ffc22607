#!/usr/bin/env bash
# Server CPU time per request (utime + stime of the tokenfare process, from /proc, over a wrk
# run, divided by the requests served): the calculator page cached, then unique workloads
# (bench/unique-calculator.lua). Steadier than throughput when other work shares the box.
# Given paths, measures each of those instead, fetched once first so it is cached (a path
# with a parameter no page reads, such as `/models/anthropic/claude-opus-4.8?junk=1`, shows
# what such a request costs).
#
#   bash bench/cpu-per-request.sh [seconds] [path ...]
#
# Linux only (reads /proc/PID/stat). Needs wrk (installed here if missing) and ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
shift || true
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/tokenfare
work=$(mktemp -d)
port=3395
"$bin" --database "$work/b.db" ingest --file ../shared/data/openrouter/models-2026-08-08.json >/dev/null
"$bin" --database "$work/b.db" serve --addr 127.0.0.1:$port --refresh-every off 2>/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
url="http://127.0.0.1:$port/calculator?requests=100000&input_tokens=3000&output_tokens=800&cache_hit=50&batch=20"
ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
per_second=$(getconf CLK_TCK)
run() { # [wrk script] [url]
  local before after requests
  before=$(ticks)
  requests=$(wrk -t2 -c8 -d"${secs}s" -H "Accept-Encoding: br" ${1:+-s "$1"} "${2:-$url}" | awk '/requests in/ {print $1}')
  after=$(ticks)
  python3 -c "print(f'{$requests} requests, {($after - $before) / $per_second * 1e6 / $requests:.0f} µs of server CPU each')"
}
if [ $# -gt 0 ]; then
  for path in "$@"; do
    curl -s -o /dev/null -H "Accept-Encoding: br" "http://127.0.0.1:$port$path"
    echo "$path: $(run '' "http://127.0.0.1:$port$path")"
  done
  exit 0
fi
curl -s -o /dev/null -H "Accept-Encoding: br" "$url"
echo "cached: $(run '')"
echo "unique: $(run bench/unique-calculator.lua)"
