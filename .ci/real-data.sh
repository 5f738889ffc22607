#!/usr/bin/env bash
# Real saved OpenRouter data (../shared/data, never copied into the repo): ingest the 400-model
# catalogue and replay the 22-day daily series, then check the database against what the files
# themselves say, computed independently in Python.
set -euo pipefail
data="../shared/data/openrouter"
. "$(dirname "$0")/real-data-common.sh" real-data "$data"

echo "-- ingest --file models-2026-08-08.json (400 models)"
start=$(date +%s.%N)
"$bin" --database "$work/one.db" ingest --file "$data/models-2026-08-08.json"
end=$(date +%s.%N)
echo "ingest wall time: $(python3 -c "print(f'{$end - $start:.3f}') ") s"

echo "-- ingest the older envelope-shaped catalogue (models-2026-01-29.json)"
"$bin" --database "$work/old.db" ingest --file "$data/models-2026-01-29.json"

echo "-- import-history daily/"
start=$(date +%s.%N)
"$bin" --database "$work/history.db" import-history "$data/daily"
end=$(date +%s.%N)
echo "import-history wall time: $(python3 -c "print(f'{$end - $start:.3f}') ") s"

python3 .ci/check_real_data.py "$data" "$work"
