#!/usr/bin/env bash
# Fault tests that need real processes: SIGKILL in the middle of an ingest, serving under load
# while ingests commit, SIGTERM, and a 100 KB query over a real socket (faults.py); a 32 MB
# hostile body under a memory check, SIGTERM with a stalled upstream, a full disk and a
# deleted database (faults_data.py).
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data/openrouter/models-2026-08-08.json
if [ ! -f "$data" ]; then echo "faults: $data not found; skipping"; exit 0; fi
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
python3 .ci/faults.py target/release/tokenfare "$data"
python3 .ci/faults_data.py target/release/tokenfare "$data"
