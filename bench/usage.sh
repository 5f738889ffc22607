#!/usr/bin/env bash
# Reading an uploaded usage export (issue 27): the server's time for one `POST /usage` and
# its peak memory growth, for a generated 100,000-row OpenRouter activity export (plain CSV)
# and a 1,000,000-row one (gzip), each uploaded with curl the way a reader's browser would.
#
#   bash bench/usage.sh [runs]
#
# The exports come from bench/usage_export.py (fixed seed) and are kept in
# target/bench-usage/ between runs (target/ is not in git). The database holds the real
# catalogue and official feed from ../shared/data, so the long-context bands are today's.
# Each run starts a fresh release server; its peak resident memory is reset
# (/proc/PID/clear_refs) just before the upload, so "growth" is the upload's own peak over
# the idle server, and "server time" is the request's latency in the server's own log.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
work=target/bench-usage
mkdir -p "$work"
cargo build --release --quiet
bin=$PWD/target/release/tokenfare

[ -f "$work/activity-100k.csv" ] || python3 bench/usage_export.py 100000 "$work/activity-100k.csv"
[ -f "$work/activity-1m.csv.gz" ] || python3 bench/usage_export.py 1000000 "$work/activity-1m.csv.gz"

db=$work/bench.db
if [ ! -f "$db" ]; then
  "$bin" --database "$db" ingest --file ../shared/data/openrouter/models-2026-08-08.json >/dev/null
  "$bin" --database "$db" ingest --source official \
    --file ../shared/data/official/genai-prices-v2-2026-08-21.json >/dev/null
fi

port=3391
kib() { awk -v key="$1:" '$1 == key { print $2 }' "/proc/$2/status"; }
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null || true; }
trap cleanup EXIT

printf '| file | bytes | rows read | run | server time | curl total | idle RSS | peak growth |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for file in "$work/activity-100k.csv" "$work/activity-1m.csv.gz"; do
  for run in $(seq "$runs"); do
    RUST_LOG=tower_http=info "$bin" --database "$db" serve --addr 127.0.0.1:$port \
      --refresh-every off >"$work/serve.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    sleep 1
    echo 5 >"/proc/$server/clear_refs"
    idle=$(kib VmRSS "$server")
    answer=$(curl -s -w '\n%{http_code} %{time_total}' -F "file=@$file" \
      "http://127.0.0.1:$port/usage?format=json")
    peak=$(kib VmHWM "$server")
    status_time=$(tail -n1 <<<"$answer")
    [ "${status_time%% *}" = 200 ] || { echo "upload failed: $answer" >&2; exit 1; }
    rows=$(head -n -1 <<<"$answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["rows_read"])')
    latency=$(sed 's/\x1b\[[0-9;]*m//g' "$work/serve.log" | grep 'path=/usage' |
      grep -o 'latency=[0-9]* μs' | grep -o '[0-9]*' | tail -n1)
    kill "$server"; wait "$server" 2>/dev/null || true; server=
    printf '| %s | %s | %s | %s | %s ms | %s s | %s MiB | %s MiB |\n' \
      "$(basename "$file")" "$(stat -c %s "$file")" "$rows" "$run" "$((latency / 1000))" \
      "${status_time#* }" "$((idle / 1024))" "$(((peak - idle) / 1024))"
  done
done
