#!/usr/bin/env bash
# Fault tests that need real processes: SIGKILL in the middle of an ingest, serving under load
# while ingests commit, SIGTERM, a 100 KB query over a real socket and 1,100 idle sockets
# under a 1,024 open-files limit (faults.py); a 32 MB hostile body under a memory check,
# SIGTERM with a stalled upstream, a full disk and a deleted database (faults_data.py); a
# flood of uncached pages while one connection probes a cached one (faults_flood.py); backups
# while a writer process commits, and read-only replicas beside a writer that is killed
# mid-ingest, two releases' ETags and an older schema (faults_ops.py). The
# scripts share their helpers in faults_common.py.
#
# FLOOD_PROBE_P99_MS sets the probe's p99 bound in ms (default 20, the goal of issue 15).
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/data/openrouter/models-2026-08-08.json
if [ ! -f "$data" ]; then echo "faults: $data not found; skipping"; exit 0; fi
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
status=0
python3 .ci/faults.py target/release/tokenfare "$data" || status=1
python3 .ci/faults_data.py target/release/tokenfare "$data" || status=1
python3 .ci/faults_ops.py target/release/tokenfare "$data" || status=1
python3 .ci/faults_flood.py target/release/tokenfare "$data" "${FLOOD_PROBE_P99_MS:-20}" || status=1
exit $status
