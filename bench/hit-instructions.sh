#!/usr/bin/env bash
# Instructions the server executes per cached request, counted by valgrind's callgrind: the
# same count on a quiet box and a busy one (throughput and CPU time are not), so each step of
# work on the hit path can be compared on its own.
#
#   bash bench/hit-instructions.sh [requests] [url-path ...]
#
# For each path (default: the pages bench/run.sh compares with nginx, and a model page with a
# parameter no page reads), the server runs under callgrind with instrumentation off, the page
# is fetched once (rendered and cached), then instrumentation is switched on for `requests`
# brotli requests on one keep-alive connection (bench/keepalive.py) and off again. Printed:
# user-space instructions per request (the kernel's socket work is not counted). With
# HIT_PROFILE=DIR, each run's callgrind file is kept in DIR for callgrind_annotate; with
# TOKENFARE_BIN=PATH, that binary is measured instead of this checkout's release build (a
# saved build of an earlier commit, for a before/after).
# Needs valgrind (Debian's package) and ../shared/data.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-2000}
shift || true
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(
  "/models"
  "/models/anthropic/claude-opus-4.8"
  "/ranking"
  "/calculator?requests=100000&input_tokens=3000&output_tokens=800&cache_hit=50&batch=20"
  "/models/anthropic/claude-opus-4.8?junk=1"
)
command -v valgrind >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null; }
if [ -n "${TOKENFARE_BIN:-}" ]; then
  bin=$TOKENFARE_BIN
else
  cargo build --release --quiet
  bin=$PWD/target/release/tokenfare
fi
work=$(mktemp -d)
port=3397
"$bin" --database "$work/b.db" ingest --file ../shared/data/openrouter/models-2026-08-08.json >/dev/null 2>&1
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
for path in "${paths[@]}"; do
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.out" \
    "$bin" --database "$work/b.db" serve --addr 127.0.0.1:$port --refresh-every off 2>"$work/vg.log" &
  server=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
  # Rendered and cached (twice: a page with a query may be refused once while it renders).
  python3 bench/keepalive.py "http://127.0.0.1:$port$path" 3 >/dev/null 2>&1
  callgrind_control -i on "$server" >/dev/null 2>&1
  python3 bench/keepalive.py "http://127.0.0.1:$port$path" "$requests" >"$work/client.txt"
  callgrind_control -d "$server" >/dev/null 2>&1
  kill -INT "$server"
  wait "$server" 2>/dev/null || true
  server=""
  dump=$(ls "$work"/cg.out.* | head -1)
  total=$(awk '/^summary:|^totals:/ {print $2; exit}' "$dump")
  printf '%9d instructions per request  %s  (%s)\n' "$((total / requests))" "$path" "$(cat "$work/client.txt")"
  if [ -n "${HIT_PROFILE:-}" ]; then
    mkdir -p "$HIT_PROFILE"
    cp "$dump" "$HIT_PROFILE/callgrind.$(echo "$path" | tr -c 'a-zA-Z0-9.\n' '_' | cut -c1-60)"
  fi
  rm -f "$work"/cg.out*
done
