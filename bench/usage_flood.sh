#!/usr/bin/env bash
# Cached pages while uploads are read (issue 27, bound 8): one client probes the cached
# /models (brotli) on one keep-alive connection, first alone, then while four clients upload
# a ~50 MB generated OpenRouter activity export over and over (at most two are read at once;
# the others get 503 with Retry-After). Prints the probe's p50/p99 both times and what each
# uploader got.
#
#   bash bench/usage_flood.sh [seconds]
#
# Uses bench/usage.sh's database and the 260,000-row export from bench/usage_export.py.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-15}
work=target/bench-usage
mkdir -p "$work"
cargo build --release --quiet
bin=$PWD/target/release/tokenfare
export_file=$work/activity-260k.csv
[ -f "$export_file" ] || python3 bench/usage_export.py 260000 "$export_file"
db=$work/bench.db
if [ ! -f "$db" ]; then
  "$bin" --database "$db" ingest --file ../shared/data/openrouter/models-2026-08-08.json >/dev/null
  "$bin" --database "$db" ingest --source official \
    --file ../shared/data/official/genai-prices-v2-2026-08-21.json >/dev/null
fi
port=3393
"$bin" --database "$db" serve --addr 127.0.0.1:$port --refresh-every off >"$work/flood.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
echo "export: $(stat -c %s "$export_file") bytes; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'alone:          '
python3 bench/probe.py "http://127.0.0.1:$port/models" "$seconds" "Accept-Encoding: br"
uploaders=()
for i in 1 2 3 4; do
  (
    end=$((SECONDS + seconds + 2)); read=0; busy=0; other=0
    while [ $SECONDS -lt $end ]; do
      code=$(curl -s -o /dev/null -w '%{http_code}' -F "file=@$export_file" \
        "http://127.0.0.1:$port/usage?format=json")
      case $code in 200) read=$((read + 1));; 503) busy=$((busy + 1)); sleep 0.2;; *) other=$((other + 1));; esac
    done
    echo "uploader $i: $read read, $busy turned away (503), $other other"
  ) &
  uploaders+=($!)
done
sleep 1
printf 'with uploads:   '
python3 bench/probe.py "http://127.0.0.1:$port/models" "$seconds" "Accept-Encoding: br"
wait "${uploaders[@]}"
