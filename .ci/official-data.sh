#!/usr/bin/env bash
# Real saved official prices (../shared/data/official, never copied into the repo): ingest the
# 2026-08-21 feed beside the real 400-model catalogue and replay the eight dated feeds, then
# check coverage and every day's changes against the files themselves, worked out in Python.
set -euo pipefail
data="../shared/data"
. "$(dirname "$0")/real-data-common.sh" official-data "$data/official"

echo "-- ingest the catalogue and the 2026-08-21 official feed"
"$bin" --database "$work/one.db" ingest --file "$data/openrouter/models-2026-08-08.json" > /dev/null
"$bin" --database "$work/one.db" ingest --source official --file "$data/official/genai-prices-v2-2026-08-21.json" | tee "$work/coverage.txt"

echo "-- import-history --source official daily/"
"$bin" --database "$work/history.db" import-history --source official "$data/official/daily"

echo "-- serve the replayed history and read its official changes back"
port=$((20000 + RANDOM % 20000))
"$bin" --database "$work/history.db" serve --addr "127.0.0.1:$port" --refresh-every off \
  --openrouter-url http://127.0.0.1:9/off --official-url http://127.0.0.1:9/off > "$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

python3 .ci/check_official_data.py "$data" "$work" "http://127.0.0.1:$port"
